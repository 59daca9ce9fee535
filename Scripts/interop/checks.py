"""The pass/fail bookkeeping the interop checks share: one line per check, and the closing
"N passed, M failed" line that CI reads (Scripts/interop/README.md)."""


class Checks:
    """Counts passed and failed checks and prints one line per check."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def record(self, name, ok, detail=""):
        line = f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  {detail}" if detail else "")
        print(line, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed.append(line)

    def summary(self):
        """Prints the failures again and the closing line; returns the exit status."""
        if self.failed:
            print("\nfailed:")
            for line in self.failed:
                print("  " + line)
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0
