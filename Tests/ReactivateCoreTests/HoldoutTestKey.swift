import ReactivateCore

/// The key the pinned SipHash vectors were cross-checked under (an independent Python implementation).
/// The product's one default key is `PipelineConfig.defaultHoldoutKey`.
let pinnedTestKey = HoldoutKey(k0: 0x91f1_6c65_6ec7_8bef, k1: 0x0b8e_ea1d_52ad_0106)
