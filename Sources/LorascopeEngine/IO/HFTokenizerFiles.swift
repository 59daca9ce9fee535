import Foundation

/// The tokenizer files of an exported backbone: what `AutoTokenizer.from_pretrained(dir)` and
/// `GenerationConfig.from_pretrained(dir)` read (Docs/Design.md §1 vocabulary, §6 export).
///
/// The vocabulary is the model's, id for id: PAD = 0 `<pad>`, BOS = 1 `<s>`, EOS = 2 `</s>`,
/// then one token per (level, code), `3 + level·K + code`, spelled as the PESO release's index
/// file spells codes: `<a_12>` is code 12 of level 0, `<b_7>` code 7 of level 1, and so on.
///
/// `tokenizer.json` is in the Hugging Face `tokenizers` format: a WordLevel model over
/// whitespace-split words. Every token is also an "added token", so the concatenated spelling
/// the PESO index uses ("<a_12><b_7><c_250><d_3>") splits into its codes as well. The post
/// processor puts BOS in front of every encoded text, as lorascope's sequences start
/// (Docs/Design.md §4.3): `tokenizer(text)` gives exactly the ids the model was trained on. A word
/// that is not in the vocabulary is an error of the `tokenizers` library (the WordLevel unknown
/// token `<unk>` is deliberately absent), never a silent substitute.
enum HFTokenizerFiles {
  /// The file names written into the backbone directory.
  public static let tokenizerFile = "tokenizer.json"
  public static let tokenizerConfigFile = "tokenizer_config.json"
  public static let specialTokensFile = "special_tokens_map.json"
  public static let generationConfigFile = "generation_config.json"

  /// Spelling of the special tokens (ids `TokenSequence.pad`, `.bos`, `.eos`).
  public static let padToken = "<pad>"
  public static let bosToken = "<s>"
  public static let eosToken = "</s>"
  /// The WordLevel model's unknown token; not in the vocabulary, so unknown words fail loudly.
  static let missingUnknownToken = "<unk>"

  /// Level letters of the PESO release format: level ℓ is written with letter a+ℓ.
  public static let maximumLevels = 26

  /// `<x_N>`: the spelling of code `code` at `level` (x = "a" + level), as in the PESO index file.
  ///
  /// - Throws: `LorascopeError.invalidConfiguration` for a level outside 0..<26 or a negative code.
  public static func codeTokenName(level: Int, code: Int) throws -> String {
    guard level >= 0 && level < maximumLevels else {
      throw LorascopeError.invalidConfiguration(
        "level \(level) has no code letter: the PESO token format spells levels a–z (at most \(maximumLevels))")
    }
    guard code >= 0 else { throw LorascopeError.invalidConfiguration("code \(code) at level \(level) is negative") }
    let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(level)))
    return "<\(letter)_\(code)>"
  }

  /// Every token of the model's vocabulary in id order: the three special tokens, then
  /// `<a_0>…<a_{K−1}>`, `<b_0>…`, … (`3 + levels·K` names, Docs/Design.md §1).
  public static func vocabulary(items: ItemIndex) throws -> [String] {
    var names = [padToken, bosToken, eosToken]
    names.reserveCapacity(items.vocabSize)
    for level in 0..<items.levels {
      for code in 0..<items.codebookSize {
        names.append(try codeTokenName(level: level, code: code))
      }
    }
    return names
  }

  /// Writes `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` and
  /// `generation_config.json` into `directory` (which must exist), each atomically.
  ///
  /// - Parameters:
  ///   - items: the item index the model was trained with (vocabulary = `items.vocabSize`).
  ///   - maxPositions: the model's context length (`model_max_length`).
  ///   - beamWidth: the beam width lorascope's evaluation uses (`num_beams`, Docs/Design.md §5).
  /// - Throws: `LorascopeError.invalidConfiguration` for more than 26 levels; `.io` when a file
  ///   cannot be written.
  public static func write(items: ItemIndex, maxPositions: Int, beamWidth: Int, to directory: URL) throws {
    let vocabulary = try vocabulary(items: items)
    try writeText(JSONText.pythonPretty(tokenizerJSON(vocabulary: vocabulary)), to: directory.appendingPathComponent(tokenizerFile))
    try writeText(
      JSONText.pythonPretty(tokenizerConfigJSON(maxPositions: maxPositions)),
      to: directory.appendingPathComponent(tokenizerConfigFile))
    try writeText(JSONText.pythonPretty(specialTokensJSON()), to: directory.appendingPathComponent(specialTokensFile))
    try writeText(
      JSONText.pythonPretty(generationConfigJSON(levels: items.levels, beamWidth: beamWidth)),
      to: directory.appendingPathComponent(generationConfigFile))
  }

  // MARK: - File contents

  /// `tokenizer.json` (`tokenizers` serialization format 1.0).
  static func tokenizerJSON(vocabulary: [String]) -> JSONValue {
    let specialCount = Int(TokenSequence.firstCodeToken)
    let addedTokens: [JSONValue] = vocabulary.enumerated().map { id, content in
      .object([
        JSONMember("id", .integer(id)),
        JSONMember("content", .string(content)),
        JSONMember("single_word", .bool(false)),
        JSONMember("lstrip", .bool(false)),
        JSONMember("rstrip", .bool(false)),
        JSONMember("normalized", .bool(false)),
        JSONMember("special", .bool(id < specialCount)),
      ])
    }
    let bos = JSONValue.object([JSONMember("SpecialToken", .object([JSONMember("id", .string(bosToken)), JSONMember("type_id", .integer(0))]))])
    func sequence(_ name: String, _ typeID: Int) -> JSONValue {
      .object([JSONMember("Sequence", .object([JSONMember("id", .string(name)), JSONMember("type_id", .integer(typeID))]))])
    }
    let postProcessor = JSONValue.object([
      JSONMember("type", .string("TemplateProcessing")),
      JSONMember("single", .array([bos, sequence("A", 0)])),
      JSONMember("pair", .array([bos, sequence("A", 0), sequence("B", 1)])),
      JSONMember(
        "special_tokens",
        .object([
          JSONMember(
            bosToken,
            .object([
              JSONMember("id", .string(bosToken)),
              JSONMember("ids", .array([.integer(Int(TokenSequence.bos))])),
              JSONMember("tokens", .array([.string(bosToken)])),
            ]))
        ])),
    ])
    let model = JSONValue.object([
      JSONMember("type", .string("WordLevel")),
      JSONMember("vocab", .object(vocabulary.enumerated().map { JSONMember($0.element, .integer($0.offset)) })),
      JSONMember("unk_token", .string(missingUnknownToken)),
    ])
    return .object([
      JSONMember("version", .string("1.0")),
      JSONMember("truncation", .null),
      JSONMember("padding", .null),
      JSONMember("added_tokens", .array(addedTokens)),
      JSONMember("normalizer", .null),
      JSONMember("pre_tokenizer", .object([JSONMember("type", .string("WhitespaceSplit"))])),
      JSONMember("post_processor", postProcessor),
      // Fuse joins decoded tokens without spaces: the PESO spelling "<a_12><b_7>…".
      JSONMember("decoder", .object([JSONMember("type", .string("Fuse"))])),
      JSONMember("model", model),
    ])
  }

  /// `tokenizer_config.json`: a fast tokenizer with the model's special tokens; left padding
  /// because a decoder-only model generates after the last real token.
  static func tokenizerConfigJSON(maxPositions: Int) -> JSONValue {
    .object([
      JSONMember("tokenizer_class", .string("PreTrainedTokenizerFast")),
      JSONMember("bos_token", .string(bosToken)),
      JSONMember("eos_token", .string(eosToken)),
      JSONMember("pad_token", .string(padToken)),
      JSONMember("model_max_length", .integer(maxPositions)),
      JSONMember("padding_side", .string("left")),
      JSONMember("clean_up_tokenization_spaces", .bool(false)),
      JSONMember("model_input_names", .array([.string("input_ids"), .string("attention_mask")])),
    ])
  }

  /// `special_tokens_map.json`.
  static func specialTokensJSON() -> JSONValue {
    .object([
      JSONMember("bos_token", .string(bosToken)),
      JSONMember("eos_token", .string(eosToken)),
      JSONMember("pad_token", .string(padToken)),
    ])
  }

  /// `generation_config.json`: the special ids, and lorascope's decoding as the default
  /// (Docs/Design.md §5): a beam of `beamWidth`, exactly `levels` new tokens (one item), no
  /// sampling, and ranking by the summed log-probability (`length_penalty` 0; every candidate
  /// has the same length anyway). The trie constraint cannot be stored here: pass
  /// `prefix_allowed_tokens_fn` (Scripts/recommend.py does).
  static func generationConfigJSON(levels: Int, beamWidth: Int) -> JSONValue {
    .object([
      JSONMember("bos_token_id", .integer(Int(TokenSequence.bos))),
      JSONMember("eos_token_id", .integer(Int(TokenSequence.eos))),
      JSONMember("pad_token_id", .integer(Int(TokenSequence.pad))),
      JSONMember("do_sample", .bool(false)),
      JSONMember("num_beams", .integer(beamWidth)),
      JSONMember("max_new_tokens", .integer(levels)),
      JSONMember("length_penalty", .number("0.0")),
    ])
  }

  private static func writeText(_ text: String, to url: URL) throws {
    try AtomicFile.write(Data((text + "\n").utf8), to: url)
  }
}
