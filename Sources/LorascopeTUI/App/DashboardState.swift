import LorascopeEngine

/// How the per-module penalty panel draws P_g.
public enum PenaltyView: Sendable, Equatable {
  /// Layers × modules, shades (Docs/Design.md §7).
  case heatmap
  /// One bar per module, largest first.
  case bars
}

/// The line a guided tour shows at a teaching moment (`lorascope demo`).
public struct DemoCaption: Sendable, Equatable {
  public var text: String
  /// 1-based position in the script.
  public var index: Int
  public var total: Int
  /// `true` while the run is paused for it (Space goes on).
  public var waiting: Bool

  public init(text: String, index: Int, total: Int, waiting: Bool) {
    self.text = text
    self.index = index
    self.total = total
    self.waiting = waiting
  }
}

/// What handling an event asks the app to do besides changing the state.
public enum UIEffect: Sendable, Equatable {
  case engine(EngineCommand)
  /// Ctrl-L: redraw every cell.
  case repaint
  case setMouse(Bool)
  /// Space while a tour caption waits: go on with the tour.
  case continueDemo
  /// Leave with this exit status.
  case quit(status: Int32)
}

/// Everything the UI decides by itself: the mode (main, help, typing λ), the λ
/// it shows, the selected module, visible panels, views. It is a value, and
/// `handle` is a pure function of it, the event and the snapshot, so key
/// dispatch is tested without a terminal or an engine.
///
/// λ is owned by the engine's session; `lambda` here is the screen's one optimistic
/// copy: the screen shows a new λ (and the weights w_k computed from it) at once, and
/// the engine picks it up at its next step.
public struct DashboardState: Sendable {
  public enum Mode: Sendable, Equatable {
    case main
    case help(page: Int)
    case editLambda(NumberEntry)
    /// `W`: typing a target weight w*.
    case editTargetWeight(NumberEntry)
    /// `t`: typing the race's λ values.
    case editRaceLambdas(NumberEntry)
  }

  /// What fills the body between the header and the key bar.
  public enum BodyView: Sendable, Equatable {
    /// The four panels of Docs/Design.md §7.
    case dashboard
    /// The λ race (`r`).
    case race
    /// Predicted vs realized (`v`).
    case theory
    /// The data: per-block counts, code health and drift (`D`).
    case data
  }

  public var mode: Mode = .main
  public var view: BodyView = .dashboard
  public var lambda: Double
  /// `false` for methods without a penalty: λ keys only explain that.
  public let usesLambda: Bool
  /// The method's name, for that explanation.
  public let methodName: String
  public let grid: ModuleGrid
  public var selectedModule = 0
  /// The spectrum of all modules jointly instead of the selected one.
  public var joint = false
  public var fisher: FisherKind = .empirical
  public var visiblePanels: Set<Panel> = Set(Panel.allCases)
  /// The metrics panel shows R[t][j] instead of the per-stage table.
  public var showMatrix = false
  public var penaltyView: PenaltyView = .heatmap
  public var mouseEnabled: Bool
  /// A short message about the last key ("λ has no effect for single").
  public var notice: String?
  /// Errors up to this serial were dismissed with Esc.
  public var dismissedErrorSerial = 0
  /// The tour's current caption (demo only).
  public var caption: DemoCaption?
  public let keyMap: KeyMap
  /// The finished stage `g`/`G` last asked the engine for (the UI's own copy, like its λ).
  public var requestedStage: Int?
  /// A retained fraction `w`/`W` asked for while the λ curve was being predicted, and the curve
  /// count at that moment: the λ is set once a newer curve arrives (`observe`).
  public var pendingRetained: (target: Double, afterSerial: Int)?

  public init(run: RunSummary, lambda: Double, mouseEnabled: Bool, keyMap: KeyMap = .standard) {
    self.lambda = lambda
    usesLambda = run.method.usesLambda
    methodName = run.method.rawValue
    grid = ModuleGrid(modules: run.modules)
    self.mouseEnabled = mouseEnabled
    self.keyMap = keyMap
  }

  /// The key context of the current mode.
  public var context: KeyContext {
    switch mode {
    case .main: return .main
    case .help: return .help
    case .editLambda, .editTargetWeight, .editRaceLambdas: return .edit
    }
  }

  /// The spectrum the panel should show, as a request to the engine.
  public func spectrumRequest(fresh: Bool) -> SpectrumRequest {
    SpectrumRequest(selection: joint ? .joint : .module(selectedModule), fisher: fisher, fresh: fresh)
  }

  /// Whether the engine error in `snapshot` is on screen (not dismissed).
  public func showsError(_ snapshot: DashboardSnapshot) -> Bool {
    guard let error = snapshot.error else { return false }
    return error.serial > dismissedErrorSerial
  }

  /// Applies one input event. `hits` tells where the last frame drew the
  /// modules (for mouse clicks).
  public mutating func handle(
    _ event: TerminalEvent, snapshot: DashboardSnapshot, hits: HitMap = HitMap()
  ) -> [UIEffect] {
    if case .terminate(let signal) = event { return [.quit(status: 128 + signal)] }
    if case .resize = event { return [] }
    notice = nil
    switch mode {
    case .editLambda(var entry):
      let outcome = entry.handle(event, keyMap: keyMap)
      switch outcome {
      case .editing:
        mode = .editLambda(entry)
        return []
      case .confirmed(let value):
        mode = .main
        return setLambda(value)
      case .confirmedList:
        return []
      case .cancelled:
        mode = .main
        return []
      case .action(let action):
        return perform(action, snapshot: snapshot)
      }
    case .editTargetWeight(var entry):
      switch entry.handle(event, keyMap: keyMap) {
      case .editing, .confirmedList:
        mode = .editTargetWeight(entry)
        return []
      case .confirmed(let target):
        mode = .main
        return setLambda(forRetained: target, snapshot: snapshot)
      case .cancelled:
        mode = .main
        return []
      case .action(let action):
        return perform(action, snapshot: snapshot)
      }
    case .editRaceLambdas(var entry):
      switch entry.handle(event, keyMap: keyMap) {
      case .editing, .confirmed:
        mode = .editRaceLambdas(entry)
        return []
      case .confirmedList(let lambdas):
        mode = .main
        return startRace(lambdas)
      case .cancelled:
        mode = .main
        return []
      case .action(let action):
        return perform(action, snapshot: snapshot)
      }
    case .main:
      if event == .named(.escape), showsError(snapshot), let error = snapshot.error {
        dismissedErrorSerial = error.serial
        return []
      }
      if event == .named(.escape), view != .dashboard {
        return leaveView()
      }
      if case .mouse(let mouse) = event, mouse.kind == .click {
        guard let module = hits.module(atRow: mouse.row, col: mouse.col, grid: grid) else { return [] }
        return select(module)
      }
    case .help:
      break
    }
    guard let action = keyMap.action(for: event, context: context) else { return [] }
    return perform(action, snapshot: snapshot)
  }

  private mutating func perform(_ action: Action, snapshot: DashboardSnapshot) -> [UIEffect] {
    switch action {
    case .runPause:
      if caption?.waiting == true { return [.continueDemo] }
      return [.engine(.toggleRun)]
    case .step: return [.engine(.step)]
    case .finishStage: return [.engine(.finishStage)]
    case .lambdaUp: return setLambda(LambdaLadder.up(from: lambda))
    case .lambdaDown: return setLambda(LambdaLadder.down(from: lambda))
    case .lambdaTimesTen: return setLambda(LambdaLadder.timesTen(from: lambda))
    case .lambdaDividedByTen: return setLambda(LambdaLadder.dividedByTen(from: lambda))
    case .lambdaFromSpectrum:
      guard usesLambda else { return explainNoLambda() }
      return setLambda(forRetained: 0.5, snapshot: snapshot)
    case .lambdaEdit:
      guard usesLambda else { return explainNoLambda() }
      mode = .editLambda(NumberEntry())
      return []
    case .targetWeightEdit:
      guard usesLambda else { return explainNoLambda() }
      mode = .editTargetWeight(NumberEntry(prompt: "retained"))
      return []
    case .raceToggle:
      if view == .race { return leaveView() }
      guard usesLambda else { return explainNoLambda() }
      guard let lambdas = RacePlan.defaultLambdas(current: lambda, snapshot: snapshot) else {
        notice = "λ = 0 and no spectrum yet: e computes one, t types the race's λ values"
        return []
      }
      return startRace(lambdas)
    case .raceTyped:
      guard usesLambda else { return explainNoLambda() }
      mode = .editRaceLambdas(NumberEntry(prompt: "race λ", acceptsList: true))
      return []
    case .theoryToggle:
      if view == .theory { return leaveView() }
      guard usesLambda else { return explainNoLambda() }
      var effects = view == .race ? leaveView() : []
      view = .theory
      effects.append(.engine(.checkTheory))
      return effects
    case .dataToggle:
      if view == .data { return leaveView() }
      let effects = view == .dashboard ? [] : leaveView()
      view = .data
      return effects
    case .moduleNext: return select(grid.step(from: selectedModule, forward: true))
    case .modulePrev: return select(grid.step(from: selectedModule, forward: false))
    case .layerNext: return select(grid.vertical(from: selectedModule, down: true))
    case .layerPrev: return select(grid.vertical(from: selectedModule, down: false))
    case .jointToggle:
      joint.toggle()
      return [.engine(.spectrum(spectrumRequest(fresh: false)))]
    case .recomputeSpectrum:
      return [.engine(.spectrum(spectrumRequest(fresh: true)))]
    case .cycleFisher:
      let all = FisherKind.allCases
      fisher = all[((all.firstIndex(of: fisher) ?? 0) + 1) % all.count]
      return [.engine(.spectrum(spectrumRequest(fresh: false)))]
    case .togglePanel(let number):
      guard let panel = Panel(rawValue: number) else { return [] }
      if visiblePanels.contains(panel) { visiblePanels.remove(panel) } else { visiblePanels.insert(panel) }
      return []
    case .repaint: return [.repaint]
    case .help:
      if case .help = mode { mode = .main } else { mode = .help(page: 0) }
      return []
    case .helpPageNext, .helpPagePrev:
      if case .help(let page) = mode { mode = .help(page: max(0, page + (action == .helpPageNext ? 1 : -1))) }
      return []
    case .quit: return [.quit(status: 0)]
    case .toggleMouse:
      mouseEnabled.toggle()
      notice = mouseEnabled ? "mouse on" : "mouse off: select text freely"
      return [.setMouse(mouseEnabled)]
    case .matrixToggle:
      showMatrix.toggle()
      return []
    case .penaltyViewToggle:
      penaltyView = penaltyView == .heatmap ? .bars : .heatmap
      return []
    case .stageNext, .stagePrev:
      return showStage(forward: action == .stageNext, snapshot: snapshot)
    case .editConfirm, .editCancel, .precisionToggle, .lambdaZero, .pinReference, .openRuns:
      return []
    }
  }

  /// Asks the engine for the next or previous finished stage, wrapping around (one key walks
  /// them all; issue 28 item 1). A live run keeps its panels on the stage it trains.
  private mutating func showStage(forward: Bool, snapshot: DashboardSnapshot) -> [UIEffect] {
    let finished = snapshot.stages.map(\.stage)
    guard snapshot.shownStage != nil || snapshot.activity == .finished else {
      notice = "stages can be browsed once the run is finished"
      return []
    }
    guard !finished.isEmpty else {
      notice = "no finished stage to show"
      return []
    }
    // From the stage last asked for, not the snapshot's, which lags a key pressed twice fast.
    let current = (requestedStage ?? snapshot.shownStage).flatMap { finished.firstIndex(of: $0) } ?? finished.count - 1
    let next = (current + (forward ? 1 : finished.count - 1)) % finished.count
    requestedStage = finished[next]
    return [.engine(.showStage(finished[next]))]
  }

  /// Selects a module; the spectrum follows unless the joint view is on.
  private mutating func select(_ module: Int) -> [UIEffect] {
    guard module != selectedModule else { return [] }
    selectedModule = module
    return joint ? [] : [.engine(.spectrum(spectrumRequest(fresh: false)))]
  }

  /// Sets λ at once on screen (the optimistic copy) and tells the engine, which owns λ,
  /// validates it and logs the change; a value the engine would refuse is explained instead.
  public mutating func setLambda(_ value: Double) -> [UIEffect] {
    guard usesLambda else { return explainNoLambda() }
    do { try ProximalStrength.validate(lambda: value) } catch {
      notice = (error as? LorascopeError)?.description ?? "\(error)"
      return []
    }
    guard value != lambda else { return [] }
    lambda = value
    return [.engine(.setLambda(value))]
  }

  /// The global λ from the predicted λ curve (Docs/Math.md §45): the λ at which this stage's
  /// training keeps `target` of its update (‖Δ_λ‖_H/‖Δ_0‖_H), not one module's median ρ. Without
  /// a curve of the current stage the engine is asked for one and the λ follows when it arrives.
  public mutating func setLambda(forRetained target: Double, snapshot: DashboardSnapshot) -> [UIEffect] {
    guard target > 0, target < 1 else {
      notice = "the retained fraction must lie strictly between 0 and 1, not \(NumberFormat.compact(target))"
      return []
    }
    guard let stage = snapshot.curveStage else {
      notice = "stage 0 has no anchor: the λ curve starts at stage 1"
      return []
    }
    if let curve = snapshot.currentLambdaCurve {
      pendingRetained = nil
      return setLambda(fromCurve: curve, retained: target)
    }
    pendingRetained = (target, snapshot.lambdaCurveSerial)
    notice = "predicting stage \(stage)'s λ curve; λ follows when it is ready"
    return [.engine(.predictLambdaCurve)]
  }

  /// Called with every new snapshot: a λ asked for before its curve existed is set once it does.
  public mutating func observe(_ snapshot: DashboardSnapshot) -> [UIEffect] {
    guard let pending = pendingRetained, snapshot.lambdaCurveSerial > pending.afterSerial,
      let curve = snapshot.lambdaCurve
    else { return [] }
    pendingRetained = nil
    return setLambda(fromCurve: curve, retained: pending.target)
  }

  private mutating func setLambda(fromCurve curve: LambdaCurve, retained target: Double) -> [UIEffect] {
    guard let value = curve.lambda(forRetained: target) else {
      notice = "stage \(curve.stage)'s λ curve does not reach \(NumberFormat.compact(target)) retained on its grid"
      return []
    }
    notice = "λ \(NumberFormat.compact(value, significant: 3)): stage \(curve.stage) keeps about "
      + "\(Int((target * 100).rounded())) % of its update (predicted; r races it)"
    return setLambda(value)
  }

  /// Opens the race view and asks the engine for a race of `lambdas` (2–4 finite values ≥ 0).
  public mutating func startRace(_ lambdas: [Double]) -> [UIEffect] {
    if let problem = RacePlan.problem(with: lambdas) {
      notice = problem
      return []
    }
    var effects = view == .theory ? leaveView() : []
    view = .race
    effects.append(.engine(.startRace(lambdas)))
    return effects
  }

  /// Back to the four panels; a race or check still running is dropped and the main run goes on.
  public mutating func leaveView() -> [UIEffect] {
    let left = view
    view = .dashboard
    switch left {
    case .dashboard: return []
    case .race: return [.engine(.stopRace)]
    case .theory: return [.engine(.stopTheory)]
    case .data: return []
    }
  }

  private mutating func explainNoLambda() -> [UIEffect] {
    notice = "λ has no effect for \(methodName) (no penalty)"
    return []
  }
}
