/// `olora`, O-LoRA-style orthogonal subspaces (Wang et al. 2023; Docs/Math.md §47): every past
/// adapter is merged, frozen and as trained, into the base of stage t; a new adapter is trained
/// from a fresh initialization with the penalty P_g = Σ_{s<t} ‖A_s A_gᵀ‖²_F on each A module
/// (0 on the B modules), which vanishes when the rows of the new A are orthogonal to those of
/// every past A. The penalty is no metric at v_{t−1}: the spectrum shows PESO's there.
struct OrthogonalLoRA: ContinualMethodDefinition {
  let name = "olora"
  let summary = "frozen past adapters + a new one whose A rows are kept orthogonal to theirs (O-LoRA)"

  var usesLambda: Bool { true }

  func frozenPastStages(before t: Int) -> Range<Int> { t < 1 ? t..<t : 0..<t }
  /// O-LoRA adds the past adapters as they were trained.
  func normalizesPastAdapters(_ config: RunConfig) -> Bool { false }
  /// Each stage learns a new subspace: a new adapter, never v_{t−1}.
  func startsFromAnchor(_ config: RunConfig) -> Bool { false }

  func anchoredTerms(_ stage: MethodStage) throws -> AnchoredTerms {
    AnchoredTerms(
      penalty: OrthogonalityPenalty(layout: stage.layout, past: Array(stage.pastAdapters)),
      metric: stage.proximalPenalty(kind: .softmaxKL))
  }
}

/// P_g = Σ_s ‖A_s A_gᵀ‖²_F = Σ_s Σ_{j,k} (a_{s,j} · a_k)² for each A module g (rows a of the
/// r × in factor), 0 for B; ∂P_g/∂A_g = 2 Σ_s O_sᵀ A_s with O_s = A_s A_gᵀ (Docs/Math.md §47).
struct OrthogonalityPenalty: AdapterPenalty {
  let layout: LoRALayout
  /// The adapters of the stages before t (their A factors span the past subspaces).
  let past: [FloatBuffer]

  func evaluate(_ v: FloatBuffer, strength: ProximalStrength, gradient: FloatBuffer?) -> [Double] {
    let w = strength.effective
    var values = [Double](repeating: 0, count: layout.modules.count)
    for (gi, m) in layout.modules.enumerated() where m.factor == .a {
      let r = m.rows, n = m.cols, a = v.pointer(m.offset)
      var overlap = [Double](repeating: 0, count: r * r)
      for old in past {
        let p = old.pointer(m.offset)
        // O[j][k] = a_{s,j} · a_k.
        for j in 0..<r {
          for k in 0..<r {
            var dot = 0.0
            for i in 0..<n { dot += Double(p[j * n + i]) * Double(a[k * n + i]) }
            overlap[j * r + k] = dot
            values[gi] += dot * dot
          }
        }
        guard let gradient, w != 0 else { continue }
        let dst = gradient.pointer(m.offset)
        for k in 0..<r {
          for i in 0..<n {
            var sum = 0.0
            for j in 0..<r { sum += overlap[j * r + k] * Double(p[j * n + i]) }
            dst[k * n + i] += Float(w * 2 * sum)
          }
        }
      }
    }
    return values
  }
}
