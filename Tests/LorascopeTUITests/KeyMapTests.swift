import Testing

@testable import LorascopeTUI

@Suite("KeyMap")
struct KeyMapTests {
  let keys = KeyMap.standard

  @Test func mainScreenKeysOfDesignSection7() {
    let expected: [(TerminalEvent, Action)] = [
      (.char(" "), .runPause), (.char("n"), .step), (.char("s"), .finishStage),
      (.char("+"), .lambdaUp), (.char("="), .lambdaUp), (.char("-"), .lambdaDown),
      (.char("L"), .lambdaEdit),
      (.named(.right), .moduleNext), (.char("l"), .moduleNext), (.char("]"), .moduleNext),
      (.named(.left), .modulePrev), (.char("h"), .modulePrev), (.char("["), .modulePrev),
      (.named(.down), .layerNext), (.char("j"), .layerNext),
      (.named(.up), .layerPrev), (.char("k"), .layerPrev),
      (.char("J"), .jointToggle), (.char("e"), .recomputeSpectrum), (.char("f"), .cycleFisher),
      (.char("1"), .togglePanel(1)), (.char("5"), .togglePanel(5)),
      (.named(.ctrlL), .repaint), (.char("?"), .help), (.named(.f1), .help),
      (.char("q"), .quit), (.named(.ctrlC), .quit), (.char("m"), .toggleMouse), (.char("R"), .matrixToggle),
    ]
    for (event, action) in expected {
      #expect(keys.action(for: event, context: .main) == action, "\(event)")
    }
    #expect(keys.action(for: .char("x"), context: .main) == nil)
    #expect(keys.action(for: .named(.escape), context: .main) == nil)
  }

  @Test func helpAndEditContexts() {
    for closing in [TerminalEvent.named(.escape), .char("?"), .char("q"), .named(.f1)] {
      #expect(keys.action(for: closing, context: .help) == .help)
    }
    #expect(keys.action(for: .named(.pageDown), context: .help) == .helpPageNext)
    #expect(keys.action(for: .named(.pageUp), context: .help) == .helpPagePrev)
    #expect(keys.action(for: .named(.ctrlC), context: .help) == .quit)
    #expect(keys.action(for: .char("n"), context: .help) == nil)  // no training step behind the overlay
    #expect(keys.action(for: .named(.enter), context: .edit) == .editConfirm)
    #expect(keys.action(for: .named(.escape), context: .edit) == .editCancel)
    #expect(keys.action(for: .char("q"), context: .edit) == nil)  // typing, not quitting
    #expect(keys.action(for: .named(.ctrlL), context: .edit) == .repaint)
  }

  @Test func mouseSignalsAndResize() {
    let wheelDown = TerminalEvent.mouse(MouseEvent(kind: .wheelDown, row: 3, col: 4))
    let wheelUp = TerminalEvent.mouse(MouseEvent(kind: .wheelUp, row: 3, col: 4))
    #expect(keys.action(for: wheelDown, context: .main) == .moduleNext)
    #expect(keys.action(for: wheelUp, context: .main) == .modulePrev)
    #expect(keys.action(for: wheelDown, context: .help) == .helpPageNext)
    #expect(keys.action(for: .mouse(MouseEvent(kind: .click, row: 1, col: 1)), context: .main) == nil)
    #expect(keys.action(for: .terminate(signal: 15), context: .edit) == .quit)
    #expect(keys.action(for: .resize(TerminalSize(rows: 24, cols: 80)), context: .main) == nil)
  }

  @Test func noKeyIsBoundTwiceInOneContext() {
    #expect(keys.conflicts().isEmpty)
    let broken = KeyMap(bindings: [
      KeyBinding(.step, keys: [.character("n")], "a"), KeyBinding(.quit, keys: [.character("n")], "b"),
    ])
    #expect(broken.conflicts().count == 1)
  }

  @Test func keyLabels() {
    #expect(Key.character(" ").label(unicode: true) == "Space")
    #expect(Key.named(.left).label(unicode: true) == "←")
    #expect(Key.named(.left).label(unicode: false) == "Left")
    #expect(Key.named(.ctrlL).label(unicode: false) == "^L")
    let module = keys.bindings(for: .main).first { $0.action == .modulePrev }
    #expect(module?.keysLabel(unicode: true) == "←, h, [")
    #expect(module?.shortestKeyLabel(unicode: false) == "h")
  }
}
