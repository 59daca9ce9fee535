import Foundation
import Testing

@testable import LorascopeEngine

/// What the anchor cannot reach (issue 23 item 5; Docs/Math.md §48): the Shapley split on a hand
/// case, and on a tiny synthetic run with embeddings trained that each of the four CE values is
/// measured on the right mix of embeddings/lm_head and adapter.
@Suite("Change share: LoRA against embeddings/lm_head")
struct ChangeShareTests {
  @Test("the shares on a hand case: Shapley contributions, the interaction split evenly, absolute sizes over both sets")
  func handCase() throws {
    // old: δ_L 0.1, δ_E 0.3, δ 0.5, interaction 0.1 → φ_L 0.15, φ_E 0.35.
    // new: δ_L −0.4, δ_E −0.1, δ −0.6, interaction −0.1 → φ_L −0.45, φ_E −0.15.
    let share = ChangeShare(
      old: .init(start: 2, lora: 2.1, embeddings: 2.3, both: 2.5), new: .init(start: 3, lora: 2.6, embeddings: 2.9, both: 2.4))
    #expect(abs(share.old.interaction - 0.1) < 1e-12 && abs(share.new.interaction + 0.1) < 1e-12)
    #expect(abs(share.old.loraContribution - 0.15) < 1e-12 && abs(share.old.embeddingContribution - 0.35) < 1e-12)
    #expect(abs(share.new.loraContribution + 0.45) < 1e-12 && abs(share.new.embeddingContribution + 0.15) < 1e-12)
    // The contributions add up to the whole change on each set.
    for m in [share.old, share.new] { #expect(abs(m.loraContribution + m.embeddingContribution - (m.both - m.start)) < 1e-12) }
    let lora = try #require(share.lora), embeddings = try #require(share.embeddings)
    #expect(abs(lora - 0.6 / 1.1) < 1e-12 && abs(embeddings - 0.5 / 1.1) < 1e-12)
    #expect(!share.anchorCannotReachMost)
    // Embeddings carry most: said; nothing changed: no share.
    let mostlyEmbeddings = ChangeShare(
      old: .init(start: 2, lora: 2, embeddings: 2.4, both: 2.4), new: .init(start: 3, lora: 2.9, embeddings: 2.5, both: 2.4))
    #expect(mostlyEmbeddings.anchorCannotReachMost)
    let still = ChangeShare(old: .init(start: 2, lora: 2, embeddings: 2, both: 2), new: .init(start: 3, lora: 3, embeddings: 3, both: 3))
    #expect(still.lora == nil && still.embeddings == nil && !still.anchorCannotReachMost)
    // JSON: the two shares, the CE of every mix and the interaction; read back equal.
    let json = String(decoding: try JSONEncoder().encode(share), as: UTF8.self)
    for key in ["\"lora\"", "\"embeddings\"", "\"old_ce\"", "\"new_ce\"", "\"interaction\"", "\"start\"", "\"both\""] {
      #expect(json.contains(key), "\(key) in \(json)")
    }
    #expect(try JSONDecoder().decode(ChangeShare.self, from: Data(json.utf8)) == share)
  }

  func crossEntropy(_ session: ContinualSession, _ m: LlamaModel, blocks: Range<Int>) throws -> Double {
    try session.evaluator.validationCrossEntropy(model: m, examples: blocks.flatMap { session.splits[$0].valid })
  }

  func mix(_ session: ContinualSession, stage t: Int, embeddingsOf e: Int, adapter a: Int) throws -> LlamaModel {
    let m = try session.baseModel(stage: t, embeddingsOfStage: e)
    m.attachLoRA(session.config.lora, values: session.adapters[a].clone())
    return m
  }

  @Test("a tiny run with --train-embeddings: the four CE values on the right parameter mixes, both = the stage's own")
  func tinyRunMixes() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    var config = StageZeroCacheTests.quickConfig(data, method: .peso)
    config.trainEmbeddings = true
    let session = try ContinualSession(config: config, dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    for _ in 0..<3 { try session.finishCurrentStage() }
    #expect(session.metrics.stages[0].changeShare == nil)  // stage 0: nothing before it
    for t in 1...2 {
      let stage = session.metrics.stages[t]
      let share = try #require(stage.changeShare, "stage \(t)")
      // (iii) both: the stage's own state; on block t exactly its validation CE.
      #expect(share.new.both == stage.validationCE)
      #expect(share.old.both == (try crossEntropy(session, try session.model(afterStage: t), blocks: 0..<t)))
      // The start: the state after stage t − 1 (PESO starts from v_{t−1}).
      let before = try session.model(afterStage: t - 1)
      #expect(share.new.start == (try crossEntropy(session, before, blocks: t..<(t + 1))))
      #expect(share.old.start == (try crossEntropy(session, before, blocks: 0..<t)))
      // (i) only the LoRA update: stage t − 1's embeddings/lm_head with v_t.
      let loraOnly = try mix(session, stage: t, embeddingsOf: t - 1, adapter: t)
      #expect(share.new.lora == (try crossEntropy(session, loraOnly, blocks: t..<(t + 1))))
      #expect(share.old.lora == (try crossEntropy(session, loraOnly, blocks: 0..<t)))
      // (ii) only the embedding/lm_head update: stage t's with v_{t−1}.
      let embeddingsOnly = try mix(session, stage: t, embeddingsOf: t, adapter: t - 1)
      #expect(share.new.embeddings == (try crossEntropy(session, embeddingsOnly, blocks: t..<(t + 1))))
      #expect(share.old.embeddings == (try crossEntropy(session, embeddingsOnly, blocks: 0..<t)))
      // The four mixes differ: both updates moved the function.
      #expect(Set([share.new.start, share.new.lora, share.new.embeddings, share.new.both]).count == 4)
      let lora = try #require(share.lora)
      #expect(lora >= 0 && lora <= 1)
      let json = String(decoding: try JSONEncoder().encode(stage), as: UTF8.self)
      #expect(json.contains("\"change_share\""))
    }
  }

  @Test("the old blocks' pool is read at most 2,000 users, evenly spaced; a smaller pool whole")
  func oldPoolIsBounded() {
    let pool = Array(0..<12_447)
    let picked = pool.evenlySpaced(atMost: ContinualSession.changeShareOldUsers)
    #expect(picked.count == 2000)
    #expect(picked.first == 0 && picked.last! > 12_400)
    #expect(zip(picked, picked.dropFirst()).allSatisfy { $0 < $1 })
    #expect(Array(0..<300).evenlySpaced(atMost: 2000) == Array(0..<300))
  }

  @Test("without trained embeddings no stage measures it and metrics.json has no change_share")
  func absentWithoutEmbeddings() throws {
    let data = try ContinualPipelineTests.dataset(drift: 0.6, users: 60)
    let session = try ContinualSession(
      config: StageZeroCacheTests.quickConfig(data, method: .peso), dataset: data, backboneCache: ContinualPipelineTests.tempDir())
    for _ in 0..<2 { try session.finishCurrentStage() }
    #expect(session.metrics.stages.allSatisfy { $0.changeShare == nil })
    let json = String(decoding: try JSONEncoder().encode(session.metrics), as: UTF8.self)
    #expect(!json.contains("change_share"))
  }
}
