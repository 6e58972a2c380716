"""Deploy helpers run from a workstation or CI after `sam deploy` (not shipped to Lambda)."""
