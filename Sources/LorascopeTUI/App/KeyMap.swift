/// Everything a key can ask the app to do (Docs/Design.md §7, Docs/Design.md §B.4 "keys").
public enum Action: Hashable, Sendable {
  /// Space: start or pause training.
  case runPause
  /// `n`: one optimizer step.
  case step
  /// `s`: run to the end of the current stage.
  case finishStage
  /// `+`/`=`: raise λ (takes effect at the next step).
  case lambdaUp
  /// `-`: lower λ.
  case lambdaDown
  /// `*`: λ × 10.
  case lambdaTimesTen
  /// `/`: λ ÷ 10.
  case lambdaDividedByTen
  /// `w`: λ that puts the median resolved ρ of the shown spectrum at w = ½.
  case lambdaFromSpectrum
  /// `L`: type an exact λ.
  case lambdaEdit
  /// `W`: type a target weight w* in (0, 1); λ becomes λ(w*) of the shown spectrum.
  case targetWeightEdit
  /// `r`: race the current stage at the current λ and λ(w* = ½) (again: leave the race).
  case raceToggle
  /// `t`: race the current stage at typed λ values.
  case raceTyped
  /// `v`: predicted w_k vs realized displacement ratios (again: leave the panel).
  case theoryToggle
  /// `D`: the data view — per-block counts, code health and drift (again: leave it).
  case dataToggle
  case moduleNext, modulePrev
  case layerNext, layerPrev
  /// `J`: the selected module's spectrum, or the joint one over all modules.
  case jointToggle
  /// `e`: recompute Σ and the spectrum now.
  case recomputeSpectrum
  /// `f`: empirical → sampled-label Fisher → exact Gauss–Newton.
  case cycleFisher
  /// `1`–`5`: show or hide panel n (`Panel.rawValue`).
  case togglePanel(Int)
  /// Ctrl-L: redraw every cell.
  case repaint
  /// `?`/F1: open the help overlay (in the overlay: close it).
  case help
  /// `q`/Ctrl-C: quit.
  case quit
  /// `m`: mouse reporting on/off (off lets you select terminal text).
  case toggleMouse
  /// `R`: metrics per stage ↔ the R[t][j] matrix.
  case matrixToggle
  /// `b`: the per-module penalty as a heat map ↔ sorted bars.
  case penaltyViewToggle
  /// `g`/`G`: show the next / previous finished stage (a finished or read-only run: its loss
  /// curves, final P_g and spectrum; issue 28 item 1).
  case stageNext, stagePrev
  /// In the help overlay: next and previous page.
  case helpPageNext, helpPagePrev
  /// While typing λ: accept or abandon the entry.
  case editConfirm, editCancel
  /// The inspect screen of an imported run: `b` shows P_g exact ↔ as the released code's bf16
  /// computes it; `0` sets λ to 0.
  case precisionToggle, lambdaZero
  /// Runs side by side: the next run becomes the reference the others are measured against.
  case pinReference
  /// A study: open the selected arm's run beside `single`'s.
  case openRuns
}

/// Which keys are live: the main screen, the help overlay, or the λ entry line.
public enum KeyContext: Hashable, Sendable, CaseIterable {
  case main
  case help
  case edit
  /// The inspect screen of an imported run (no training).
  case inspect
  /// Finished runs side by side (`tui --run-dir A --compare B`).
  case compare
  /// A finished study (`tui --study DIR`).
  case study

  /// The contexts of the training screen, whose help overlay lists them.
  public static let dashboard: [KeyContext] = [.main, .help, .edit]

  /// The heading of the context in the help overlay.
  public var title: String {
    switch self {
    case .main: return "Main screen"
    case .help: return "Help overlay"
    case .edit: return "Typing λ"
    case .inspect: return "Inspect screen (an imported run)"
    case .compare: return "Runs side by side (tui --compare)"
    case .study: return "A study (tui --study)"
    }
  }
}

/// One row of the key table: an action, its keys, what it does, where it is live.
public struct KeyBinding: Sendable {
  public var action: Action
  public var keys: [Key]
  public var description: String
  /// More than the help overlay has room for, shown after the description in the README's key
  /// table (`markdownTable`); nil when the description says it all.
  public var detail: String?
  public var contexts: [KeyContext]
  /// Short label in the key bar; bindings that share a label share one bar
  /// entry ("+/- λ"). `nil` keeps the binding out of the bar.
  public var barLabel: String?
  /// Lower ranks stay longer when the bar is too short for every entry.
  public var barRank: Int

  public init(
    _ action: Action, keys: [Key], _ description: String, detail: String? = nil, contexts: [KeyContext] = [.main],
    bar barLabel: String? = nil, rank barRank: Int = 100
  ) {
    self.action = action
    self.keys = keys
    self.description = description
    self.detail = detail
    self.contexts = contexts
    self.barLabel = barLabel
    self.barRank = barRank
  }

  /// The keys as shown in the help overlay: "+, =".
  public func keysLabel(unicode: Bool) -> String {
    keys.map { $0.label(unicode: unicode) }.joined(separator: ", ")
  }

  /// The shortest key label (for the key bar): "h" rather than "Left" in ASCII.
  public func shortestKeyLabel(unicode: Bool) -> String {
    keys.map { $0.label(unicode: unicode) }.min { DisplayWidth.of($0) < DisplayWidth.of($1) } ?? ""
  }
}

/// The key table as data: it dispatches keys, and the help overlay and the key
/// bar are generated from it, so they cannot drift apart (lazygit, unlike
/// btop's separate help text; Docs/Design.md §B.4 "help").
public struct KeyMap: Sendable {
  public var bindings: [KeyBinding]

  public init(bindings: [KeyBinding]) {
    self.bindings = bindings
  }

  /// The action for an event in a context, or `nil` when the event means
  /// nothing there (text typed into the λ entry, a click the app hit-tests).
  ///
  /// The mouse wheel steps through modules on the main screen and pages in
  /// the help overlay; SIGTERM/SIGHUP quit everywhere.
  public func action(for event: TerminalEvent, context: KeyContext) -> Action? {
    switch event {
    case .key(let key):
      return bindings.first { $0.contexts.contains(context) && $0.keys.contains(key) }?.action
    case .mouse(let mouse):
      switch (mouse.kind, context) {
      case (.wheelUp, .main): return .modulePrev
      case (.wheelDown, .main): return .moduleNext
      case (.wheelUp, .help): return .helpPagePrev
      case (.wheelDown, .help): return .helpPageNext
      default: return nil
      }
    case .terminate: return .quit
    case .resize: return nil
    }
  }

  /// The bindings live in `context`, in table order.
  public func bindings(for context: KeyContext) -> [KeyBinding] {
    bindings.filter { $0.contexts.contains(context) }
  }

  /// The table without `actions`: what the key bar offers when they cannot act (the table
  /// that dispatches and the help stay whole).
  public func excluding(_ actions: Set<Action>) -> KeyMap {
    KeyMap(bindings: bindings.filter { !actions.contains($0.action) })
  }

  /// Keys bound to more than one binding in the same context (should be empty).
  public func conflicts() -> [(key: Key, context: KeyContext)] {
    var result: [(key: Key, context: KeyContext)] = []
    for context in KeyContext.allCases {
      var seen = Set<Key>()
      for binding in bindings(for: context) {
        for key in binding.keys where !seen.insert(key).inserted { result.append((key, context)) }
      }
    }
    return result
  }

  /// lorascope's keys: Docs/Design.md §7 plus the htop/btop conventions of §B.4
  /// (hjkl beside the arrows, 1–5 for panels, Ctrl-L, `?`/F1, `q`/Ctrl-C).
  public static let standard = KeyMap(bindings: [
    KeyBinding(.runPause, keys: [.character(" ")], "run / pause training", bar: "run/pause", rank: 1),
    KeyBinding(.step, keys: [.character("n")], "one optimizer step", bar: "step", rank: 2),
    KeyBinding(
      .finishStage, keys: [.character("s")], "finish the current stage", detail: "then evaluate every block", bar: "stage",
      rank: 7),
    KeyBinding(.lambdaUp, keys: [.character("+"), .character("=")], "raise λ (next step)", bar: "λ", rank: 3),
    KeyBinding(.lambdaDown, keys: [.character("-")], "lower λ (next step)", bar: "λ", rank: 3),
    KeyBinding(.lambdaEdit, keys: [.character("L")], "type an exact λ", bar: "set λ", rank: 8),
    KeyBinding(
      .lambdaTimesTen, keys: [.character("*")], "λ × 10 (next step)", detail: "from 0 up to 10⁷ and beyond",
      bar: "λ×10", rank: 14),
    KeyBinding(.lambdaDividedByTen, keys: [.character("/")], "λ / 10 (next step)", bar: "λ/10", rank: 14),
    KeyBinding(
      .lambdaFromSpectrum, keys: [.character("w")], "λ from the predicted curve: keep ½",
      detail: "the global λ from the stage's predicted λ curve (`predict` on the screen, a few seconds): the λ "
        + "at which this stage's training keeps half of its update, ‖Δ_λ‖_H/‖Δ_0‖_H = ½; the spectrum panel "
        + "then reads the curve at the current λ",
      bar: "λ fit", rank: 14),
    KeyBinding(
      .targetWeightEdit, keys: [.character("W")], "type r* in (0, 1): λ from the curve",
      detail: "r* is the retained fraction of the update; the module's own median-ρ λ(w*) stays on the "
        + "spectrum panel, labelled as that module's view",
      bar: "keep", rank: 15),
    KeyBinding(
      .raceToggle, keys: [.character("r")], "race λ vs 0 or λ(w*=½) (r/Esc leaves)",
      detail: "fork this stage from its start at the current λ and 0 once `w`/`W` set λ from the curve (the "
        + "race realizes the predicted fraction), else λ(w* = 0.5) of the spectrum (or 0), trained in lockstep; "
        + "one loss curve per λ, ‖Δ‖_H, then NDCG@5 per block with paired 95 % intervals against the first λ; "
        + "the main run waits meanwhile and goes on unchanged",
      bar: "race", rank: 9),
    KeyBinding(
      .raceTyped, keys: [.character("t")], "λ race at typed λ values (2–4)", detail: "commas: `0, 2e4, 1e5`",
      bar: "race λs", rank: 16),
    KeyBinding(
      .theoryToggle, keys: [.character("v")], "w_k predicted vs realized (v/Esc leaves)",
      detail: "displacement ratios of the last finished stage, retrained at the λ in force (`verify` on the "
        + "screen; the title names that λ): how many directions have w_k < 0.05, 0.05–0.95, > 0.95, a log-log "
        + "scatter of the 0.05–0.95 ones (the only ones that test the model), correlation, ‖Δ_λ‖/‖Δ_0‖, and in "
        + "words whether the quadratic picture holds — or \"cannot be checked at this λ\" when no direction is "
        + "in the band (set λ(0.5) with `w` first); rechecks each stage that finishes while open",
      bar: "verify", rank: 10),
    KeyBinding(
      .dataToggle, keys: [.character("D")], "data: blocks, codes, drift (D/Esc leaves)",
      detail: "what `lorascope data check` prints for the run's data: users, items and targets per block, "
        + "the health of the semantic IDs (codes used, perplexity and largest share per level, collisions) "
        + "and the drift between blocks (unseen test targets, new items, JS divergence)",
      bar: "data", rank: 15),
    KeyBinding(
      .modulePrev, keys: [.named(.left), .character("h"), .character("[")], "previous module",
      bar: "module", rank: 4),
    KeyBinding(
      .moduleNext, keys: [.named(.right), .character("l"), .character("]")], "next module",
      bar: "module", rank: 4),
    KeyBinding(
      .layerPrev, keys: [.named(.up), .character("k")], "module one row up (L1 A → L0 B)", bar: "row", rank: 6),
    KeyBinding(
      .layerNext, keys: [.named(.down), .character("j")], "module one row down (L0 B → L1 A)", bar: "row",
      rank: 6),
    KeyBinding(.jointToggle, keys: [.character("J")], "spectrum: selected module / joint", bar: "joint", rank: 9),
    KeyBinding(.recomputeSpectrum, keys: [.character("e")], "recompute Σ and the spectrum", bar: "spectrum", rank: 5),
    KeyBinding(
      .cycleFisher, keys: [.character("f")], "Σ: empirical / sampled Fisher / Gauss–Newton",
      bar: "Fisher", rank: 10),
    KeyBinding(.matrixToggle, keys: [.character("R")], "metrics per stage / R[t][j] matrix", bar: "R[t][j]", rank: 11),
    KeyBinding(
      .stageNext, keys: [.character("g")], "next finished stage: its loss, P_g, spectrum",
      detail: "a finished run: its CE, penalty and total from log.jsonl, P_g at its end, its spectrum "
        + "(computed on demand, kept in memory), marked `>` in the metrics table",
      bar: "stages", rank: 6),
    KeyBinding(.stagePrev, keys: [.character("G")], "previous finished stage"),
    KeyBinding(
      .penaltyViewToggle, keys: [.character("b")], "penalty: heat map / sorted bars",
      detail: "its last line: the selected module's penalty exact vs in the released code's bf16, and their "
        + "gradients' cosine, for the last finished stage",
      bar: "bars", rank: 13),
  ] + Panel.table.map { row in
    KeyBinding(
      .togglePanel(row.panel.rawValue), keys: [.character(Character(String(row.panel.rawValue)))],
      "show / hide \(row.helpName)")
  } + [
    KeyBinding(.toggleMouse, keys: [.character("m")], "mouse on / off (off: select text)", bar: "mouse", rank: 12),
    KeyBinding(.repaint, keys: [.named(.ctrlL)], "repaint the screen", contexts: [.main, .help, .edit]),
    KeyBinding(.help, keys: [.character("?"), .named(.f1)], "show this help", bar: "help", rank: 0),
    KeyBinding(.quit, keys: [.character("q"), .named(.ctrlC)], "quit", bar: "quit", rank: 0),

    KeyBinding(
      .help, keys: [.named(.escape), .character("?"), .character("q"), .named(.f1)], "close the help",
      contexts: [.help], bar: "close", rank: 0),
    KeyBinding(
      .helpPageNext, keys: [.named(.pageDown), .character(" "), .named(.down), .character("j")],
      "next page", contexts: [.help], bar: "page", rank: 1),
    KeyBinding(
      .helpPagePrev, keys: [.named(.pageUp), .named(.up), .character("k")], "previous page",
      contexts: [.help], bar: "page", rank: 1),

    KeyBinding(
      .editConfirm, keys: [.named(.enter)], "set λ to the typed value", contexts: [.edit], bar: "set",
      rank: 0),
    KeyBinding(.editCancel, keys: [.named(.escape)], "keep the old λ", contexts: [.edit], bar: "cancel", rank: 0),
    KeyBinding(.quit, keys: [.named(.ctrlC)], "quit", contexts: [.help, .edit], bar: "quit", rank: 2),

    KeyBinding(
      .modulePrev, keys: [.named(.left), .character("h")], "module one column left", contexts: [.inspect],
      bar: "module", rank: 2),
    KeyBinding(
      .moduleNext, keys: [.named(.right), .character("l")], "module one column right", contexts: [.inspect],
      bar: "module", rank: 2),
    KeyBinding(.layerPrev, keys: [.named(.up), .character("k")], "module one row up", contexts: [.inspect], bar: "row", rank: 3),
    KeyBinding(.layerNext, keys: [.named(.down), .character("j")], "module one row down", contexts: [.inspect], bar: "row", rank: 3),
    KeyBinding(.stageNext, keys: [.character("g")], "next stage", contexts: [.inspect], bar: "stage", rank: 1),
    KeyBinding(.stagePrev, keys: [.character("G")], "previous stage", contexts: [.inspect], bar: "stage", rank: 1),
    KeyBinding(
      .precisionToggle, keys: [.character("b")], "P_g exact / in the released code's bf16", contexts: [.inspect],
      bar: "exact/bf16", rank: 4),
    KeyBinding(.lambdaUp, keys: [.character("+"), .character("=")], "raise λ", contexts: [.inspect], bar: "λ", rank: 1),
    KeyBinding(.lambdaDown, keys: [.character("-")], "lower λ", contexts: [.inspect], bar: "λ", rank: 1),
    KeyBinding(.lambdaTimesTen, keys: [.character("*")], "λ × 10", contexts: [.inspect], bar: "λ×10", rank: 5),
    KeyBinding(.lambdaDividedByTen, keys: [.character("/")], "λ / 10", contexts: [.inspect], bar: "λ/10", rank: 5),
    KeyBinding(.lambdaZero, keys: [.character("0")], "λ = 0", contexts: [.inspect], bar: "λ=0", rank: 6),
    KeyBinding(.quit, keys: [.character("q"), .named(.escape), .named(.ctrlC)], "quit", contexts: [.inspect, .compare, .study], bar: "quit", rank: 0),

    KeyBinding(.stageNext, keys: [.character("g")], "next stage's loss curves", contexts: [.compare], bar: "stage", rank: 1),
    KeyBinding(.stagePrev, keys: [.character("G")], "previous stage's loss curves", contexts: [.compare], bar: "stage", rank: 1),
    KeyBinding(
      .pinReference, keys: [.character("p")], "pin the next run as the reference",
      detail: "the differences and their intervals are every other run minus the reference", contexts: [.compare],
      bar: "pin", rank: 2),
    KeyBinding(
      .moduleNext, keys: [.named(.tab)], "R[t][j] difference of the next run", contexts: [.compare], bar: "run",
      rank: 3),
    KeyBinding(
      .recomputeSpectrum, keys: [.character("s")], "spectra of the stage, each run's λ_eff / loss curves",
      detail: "every run's ρ_k of the shown stage (joint, empirical Fisher, as `lorascope spectrum` computes it), "
        + "computed off the screen's thread and kept, each with a flat line at its own λ_eff", contexts: [.compare],
      bar: "spectra", rank: 4),

    KeyBinding(.layerPrev, keys: [.named(.up), .character("k")], "previous arm", contexts: [.study], bar: "arm", rank: 1),
    KeyBinding(.layerNext, keys: [.named(.down), .character("j")], "next arm", contexts: [.study], bar: "arm", rank: 1),
    KeyBinding(
      .openRuns, keys: [.named(.enter)], "the arm's run beside single's (first seed)",
      detail: "opens the runs side by side (the compare screen); q there comes back", contexts: [.study], bar: "open",
      rank: 2),
  ])
}
