import Testing

@testable import LorascopeTUI

@Suite("Dashboard app loop on a GridScreen")
struct DashboardAppTests {
  @Test func keysReachTheEngineAndTheScreenFollows() {
    let engine = FakeEngine()
    let screen = GridScreen(size: TerminalSize(rows: 30, cols: 100))
    let app = DashboardApp(screen: screen, engine: engine)
    app.start()
    #expect(engine.commands == [.spectrum(SpectrumRequest(selection: .module(0), fisher: .empirical, fresh: false))])
    engine.clear()
    app.render()
    #expect(screen.visible.text().contains("λ 2 · λ_eff 0.0714"))
    app.handle(.char("+"))
    app.handle(.char("n"))
    #expect(engine.commands == [.setLambda(5), .step])
    app.render()
    #expect(screen.visible.text().contains("λ 5 · λ_eff 0.179"))

    // A new snapshot version is picked up by the next poll.
    var next = engine.current
    next.phase?.step = 18
    engine.current = next
    app.pollEngine()
    app.render()
    #expect(screen.visible.text().contains("step 18/39"))

    app.handle(.char("?"))
    app.render()
    #expect(screen.visible.text().contains("run / pause training"))
    screen.resize(to: TerminalSize(rows: 24, cols: 80))
    if let event = screen.nextEvent(timeoutMS: 0) { app.handle(event) }
    app.render()
    #expect(screen.visible.size == TerminalSize(rows: 24, cols: 80))
    #expect(screen.visible.text().contains("run / pause training"))  // the overlay survives the resize
    for _ in 0..<20 { app.handle(.named(.pageDown)) }
    app.render()
    #expect(app.state.mode == .help(page: 2))  // paging stops at the last page (three pages at 24 × 80)
    app.handle(.named(.escape))
    app.handle(.named(.ctrlL))
    #expect(screen.repaintCount == 1)
    let mouse = screen.mouseEnabled
    app.handle(.char("m"))
    #expect(screen.mouseEnabled == !mouse)
    app.handle(.char("q"))
    #expect(app.exitStatus == 0)
  }

  @Test func runEndsOnQuitWithTheStatus() {
    let engine = FakeEngine()
    let screen = GridScreen(size: TerminalSize(rows: 30, cols: 100))
    screen.enqueue(.char("-"))
    screen.enqueue(.terminate(signal: 15))
    let app = DashboardApp(screen: screen, engine: engine)
    #expect(app.run() == 143)
    #expect(engine.commands.contains(.setLambda(1)))
    #expect(app.framesDrawn >= 1)
  }

  @Test func theTourStopsShowsItsCaptionAndGoesOn() {
    let script = DemoScript(
      title: "t",
      cues: [
        .init(position: .phaseStart(stage: 1, backbone: false), say: "Block 1 arrives.", lambda: 20, show: .matrix),
        .init(position: .step(stage: 1, backbone: false, step: 5), say: "Look at the heat map.", pause: false),
      ])
    let engine = FakeEngine()
    let screen = GridScreen(size: TerminalSize(rows: 30, cols: 100))
    let app = DashboardApp(screen: screen, engine: engine, demo: script)
    app.start()
    #expect(engine.commands.prefix(2) == [.setCues(script.cues.map(\.position)), .run])
    engine.clear()

    var stopped = engine.current
    stopped.cue = CueStop(index: 0, serial: 1)
    engine.current = stopped
    app.pollEngine()
    #expect(engine.commands == [.setLambda(20)])
    #expect(app.state.showMatrix)
    app.render()
    #expect(screen.visible.text().contains("Block 1 arrives."))
    #expect(screen.visible.text().contains("λ 20"))
    app.pollEngine()  // the same stop is applied once
    #expect(engine.commands == [.setLambda(20)])
    app.handle(.char(" "))
    #expect(engine.commands.last == .run)
    #expect(app.state.caption == nil)

    engine.clear()
    stopped.cue = CueStop(index: 1, serial: 2)
    engine.current = stopped
    app.pollEngine()
    #expect(engine.commands == [.run])  // a cue that does not wait runs on at once
    #expect(app.state.caption?.waiting == false)
  }
}
