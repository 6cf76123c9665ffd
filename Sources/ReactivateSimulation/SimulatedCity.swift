import ReactivateCore
/// A city the synthetic chain operates in.
///
/// Real city-centre coordinates make distances, store clusters and "moved to another city" look like the
/// real thing to the targeting stage (3 km radius, great-circle distance); the weights make big cities
/// hold more stores and therefore more members.
public struct SimulatedCity: Sendable, Equatable {
    /// English name, used in store names such as "Lotus Shanghai #12".
    public let name: String
    /// Chinese name, used in store names such as "上海 #12".
    public let chineseName: String
    /// City-centre latitude in degrees.
    public let latitude: Double
    /// City-centre longitude in degrees.
    public let longitude: Double
    /// Relative share of the chain's stores.
    public let weight: Double

    /// The cities used, biggest first; the first `min(stores, count)` each get a flagship store.
    ///
    /// Centres: Shanghai People's Square, Beijing Tiananmen/Dongcheng, Guangzhou Yuexiu, Shenzhen Futian,
    /// Chengdu Tianfu Square, Hangzhou West Lake east shore, Wuhan Jianghan, Nanjing Xinjiekou, Chongqing
    /// Yuzhong, Xi'an Bell Tower, Tianjin Heping, Suzhou Gusu (all to about 1 km).
    public static let all: [SimulatedCity] = [
        SimulatedCity(name: "Shanghai", chineseName: "上海", latitude: 31.2304, longitude: 121.4737, weight: 16),
        SimulatedCity(name: "Beijing", chineseName: "北京", latitude: 39.9042, longitude: 116.4074, weight: 14),
        SimulatedCity(name: "Guangzhou", chineseName: "广州", latitude: 23.1291, longitude: 113.2644, weight: 10),
        SimulatedCity(name: "Shenzhen", chineseName: "深圳", latitude: 22.5431, longitude: 114.0579, weight: 10),
        SimulatedCity(name: "Chengdu", chineseName: "成都", latitude: 30.5728, longitude: 104.0668, weight: 8),
        SimulatedCity(name: "Hangzhou", chineseName: "杭州", latitude: 30.2741, longitude: 120.1551, weight: 7),
        SimulatedCity(name: "Wuhan", chineseName: "武汉", latitude: 30.5928, longitude: 114.3055, weight: 6),
        SimulatedCity(name: "Nanjing", chineseName: "南京", latitude: 32.0603, longitude: 118.7969, weight: 6),
        SimulatedCity(name: "Chongqing", chineseName: "重庆", latitude: 29.5630, longitude: 106.5516, weight: 6),
        SimulatedCity(name: "Xi'an", chineseName: "西安", latitude: 34.3416, longitude: 108.9398, weight: 5),
        SimulatedCity(name: "Tianjin", chineseName: "天津", latitude: 39.1256, longitude: 117.1902, weight: 5),
        SimulatedCity(name: "Suzhou", chineseName: "苏州", latitude: 31.2990, longitude: 120.5853, weight: 4),
    ]
}
