import Foundation
import Testing
@testable import LorascopeEngine

/// The files that make an exported stage usable from Python (issue 14): tokenizer ids, the
/// PESO-format item index and its reverse map. Scripts/interop/check_recommend.py checks the
/// same files against `transformers`; these tests pin the ids without Python.
@Suite("Export: tokenizer and item index files")
struct ExportTokenizerIndexTests {
  /// 5 items, 3 levels, K = 4 (largest code 3); items "c" and "e" share the tuple of "a".
  static func smallIndex() throws -> ItemIndex {
    try ItemIndex(
      itemIDs: ["a", "b", "c", "d\"q", "e"],
      codes: [[1, 0, 2], [3, 3, 0], [1, 0, 2], [0, 2, 1], [1, 0, 2]])
  }

  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorascope-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func parse(_ url: URL) throws -> JSONValue {
    try JSONParser.parse(Array(try Data(contentsOf: url)))
  }

  @Test("the vocabulary lists every id once: specials, then <a_0>… at 3 + level·K + code")
  func vocabularyIDs() throws {
    let items = try Self.smallIndex()
    let names = try HFTokenizerFiles.vocabulary(items: items)
    #expect(names.count == items.vocabSize)
    #expect(names.count == 3 + 3 * 4)
    #expect(Array(names.prefix(3)) == ["<pad>", "<s>", "</s>"])
    #expect(Set(names).count == names.count)
    for level in 0..<items.levels {
      for code in 0..<items.codebookSize {
        let name = try HFTokenizerFiles.codeTokenName(level: level, code: code)
        #expect(names[Int(items.token(level: level, code: code))] == name)
      }
    }
    #expect(names[3 + 1 * 4 + 2] == "<b_2>")
    #expect(throws: LorascopeError.self) { try HFTokenizerFiles.codeTokenName(level: 26, code: 0) }
    #expect(throws: LorascopeError.self) { try HFTokenizerFiles.codeTokenName(level: 0, code: -1) }
  }

  @Test("tokenizer.json, tokenizer_config.json, special_tokens_map.json and generation_config.json read back")
  func tokenizerFilesRoundTrip() throws {
    let items = try Self.smallIndex()
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try HFTokenizerFiles.write(items: items, maxPositions: 128, beamWidth: 10, to: dir)

    let tokenizer = try Self.parse(dir.appendingPathComponent("tokenizer.json"))
    #expect(tokenizer["model"]?["type"]?.stringValue == "WordLevel")
    let vocab = try #require(tokenizer["model"]?["vocab"]?.objectMembers)
    #expect(vocab.count == items.vocabSize)
    let names = try HFTokenizerFiles.vocabulary(items: items)
    for member in vocab {
      #expect(member.value.intValue == names.firstIndex(of: member.key), "\(member.key)")
    }
    // Every item's tokens, looked up by name, are the ids the model was trained on.
    let idOf = Dictionary(uniqueKeysWithValues: vocab.map { ($0.key, $0.value.intValue ?? -1) })
    for item in 0..<items.numItems {
      let spelled = try items.codes[item].enumerated().map { try HFTokenizerFiles.codeTokenName(level: $0.offset, code: $0.element) }
      #expect(spelled.map { Int32(idOf[$0] ?? -1) } == items.tokens(ofItem: item))
    }
    let added = try #require(tokenizer["added_tokens"]?.arrayValue)
    #expect(added.count == items.vocabSize)
    for (id, token) in added.enumerated() {
      #expect(token["id"]?.intValue == id)
      #expect(token["content"]?.stringValue == names[id])
      #expect(token["special"]?.boolValue == (id < 3))
    }
    let bos = tokenizer["post_processor"]?["special_tokens"]?["<s>"]?["ids"]?.arrayValue?.compactMap(\.intValue)
    #expect(bos == [1])
    #expect(tokenizer["model"]?["unk_token"]?.stringValue.map { idOf[$0] == nil } == true)

    let config = try Self.parse(dir.appendingPathComponent("tokenizer_config.json"))
    #expect(config["bos_token"]?.stringValue == "<s>")
    #expect(config["eos_token"]?.stringValue == "</s>")
    #expect(config["pad_token"]?.stringValue == "<pad>")
    #expect(config["model_max_length"]?.intValue == 128)
    let special = try Self.parse(dir.appendingPathComponent("special_tokens_map.json"))
    #expect(special["pad_token"]?.stringValue == "<pad>")
    let generation = try Self.parse(dir.appendingPathComponent("generation_config.json"))
    #expect(generation["bos_token_id"]?.intValue == Int(TokenSequence.bos))
    #expect(generation["eos_token_id"]?.intValue == Int(TokenSequence.eos))
    #expect(generation["pad_token_id"]?.intValue == Int(TokenSequence.pad))
    #expect(generation["num_beams"]?.intValue == 10)
    #expect(generation["max_new_tokens"]?.intValue == items.levels)
  }

  @Test("the exported PESO index loads back as the same item index; tuples.json lists every item once")
  func itemIndexRoundTrip() throws {
    let items = try Self.smallIndex()
    let dir = try Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let summary = try ItemIndexExport.write(items: items, datasetName: "Tiny", to: dir.appendingPathComponent("items"))

    let indexFile = dir.appendingPathComponent("items/Tiny.index.json").path
    let loaded = try PESODatasetLoader.loadIndex(
      layout: .init(name: "Tiny", blockFiles: [], indexFile: indexFile, titleFile: nil))
    #expect(loaded == items)

    #expect(summary.items == 5)
    #expect(summary.distinctTuples == 3)
    #expect(summary.sharedTuples == 1)
    #expect(summary.itemsRepeatingATuple == 2)
    #expect(summary.codebookSize == 4)

    let tuples = try #require(try Self.parse(dir.appendingPathComponent("items/tuples.json")).objectMembers)
    #expect(tuples.map(\.key) == ["<a_0><b_2><c_1>", "<a_1><b_0><c_2>", "<a_3><b_3><c_0>"])
    #expect(tuples[1].value.arrayValue?.compactMap(\.stringValue) == ["a", "c", "e"])
    #expect(tuples[0].value.arrayValue?.compactMap(\.stringValue) == ["d\"q"])
    let listed = tuples.flatMap { $0.value.arrayValue?.compactMap(\.stringValue) ?? [] }
    #expect(listed.sorted() == items.itemIDs.sorted())
    for member in tuples {
      for id in member.value.arrayValue?.compactMap(\.stringValue) ?? [] {
        let item = try #require(items.index(ofItemID: id))
        #expect(try ItemIndexExport.tupleKey(items.codes[item]) == member.key)
      }
    }
    let written = try Self.parse(dir.appendingPathComponent("items/items.json"))
    #expect(written["shared_tuples"]?.intValue == 1)
    #expect(written["items_repeating_a_tuple"]?.intValue == 2)
  }
}

@Suite("Export: the guide files of an exported stage")
struct ExportedStageGuideTests {
  @Test("lorascope_export.json states the run's history, beam, temperature and paths that exist")
  func manifestMatchesTheRun() throws {
    var driftConfig = SyntheticDriftConfig(seed: 3)
    driftConfig.usersPerBlock = 20
    let dataset = try SyntheticDrift.generate(driftConfig)
    var config = RunConfig.defaults(vocabSize: dataset.items.vocabSize)
    config.ceTemperature = 0.8
    config.maxHistory = 7
    config.beamWidth = 6
    let out = try ExportTokenizerIndexTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: out) }
    try FileManager.default.createDirectory(at: out.appendingPathComponent("backbone"), withIntermediateDirectories: true)

    let manifest = try ExportedStageGuide.write(config: config, dataset: dataset, stage: 2, to: out)
    let written = try ExportTokenizerIndexTests.parse(out.appendingPathComponent("lorascope_export.json"))
    #expect(written["max_history"]?.intValue == 7)
    #expect(written["beam_width"]?.intValue == 6)
    #expect(written["ce_temperature"]?.doubleValue.map { abs($0 - 0.8) < 1e-6 } == true)
    #expect(written["stage"]?.intValue == 2)
    #expect(written["levels"]?.intValue == dataset.items.levels)
    for path in [manifest.itemIndex, manifest.tuples, "backbone/tokenizer.json", "backbone/generation_config.json", "README.md"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(path).path), "\(path)")
    }
    let generation = try ExportTokenizerIndexTests.parse(out.appendingPathComponent("backbone/generation_config.json"))
    #expect(generation["num_beams"]?.intValue == 6)

    // A model whose vocabulary is not the index's is refused, not exported with wrong ids.
    var wrong = config
    wrong.model.vocabSize += 1
    #expect(throws: LorascopeError.self) { try ExportedStageGuide.write(config: wrong, dataset: dataset, stage: 2, to: out) }
  }
}
