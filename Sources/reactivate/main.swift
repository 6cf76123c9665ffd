import ReactivateCLI

Reactivate.runAndExit()
