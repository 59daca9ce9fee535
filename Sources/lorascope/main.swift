import LorascopeEngine
print("lorascope: engine \(BLAS.kernelName)")
