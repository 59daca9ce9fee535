import Foundation
import LorascopeEngine
let r = try EngineBenchmark.run(progress: { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) })
let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
print(String(data: try enc.encode(r), encoding: .utf8)!)
