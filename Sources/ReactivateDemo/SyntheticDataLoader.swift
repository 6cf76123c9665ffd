import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization
import ReactivatePipeline
import ReactivateSimulation

/// Loads the simulator's rows into the source tables with binary COPY, on two connections at once.
///
/// Everything is written into fresh staging schemas and swapped in with one transaction at the end,
/// so a failed or interrupted `generate` leaves the previous data untouched and visible.
public struct SyntheticDataLoader: Sendable {
    public struct Options: Sendable {
        public var simulation: SimulationConfig
        public var schema: String
        public var simSchema: String
        public var replace: Bool
        public var workers: Int
        /// Members generated per COPY round; bounds memory.
        public var batchMembers: Int

        public init(simulation: SimulationConfig, schema: String = "src", simSchema: String = "sim", replace: Bool = false) {
            self.simulation = simulation
            self.schema = schema
            self.simSchema = simSchema
            self.replace = replace
            workers = 2
            batchMembers = 20_000
        }
    }

    public struct Summary: Sendable {
        public var stores = 0, members = 0, locations = 0, channels = 0, transactions = 0
        public var seconds = 0.0
        public var totalRows: Int { stores + members + locations + channels + transactions + members }
        public var rowsPerSecond: Double { seconds > 0 ? Double(totalRows) / seconds : 0 }
    }

    let connectionString: ConnectionString
    let sql: SQLSource
    let logger: Logger

    public init(connectionString: ConnectionString, sql: SQLSource, logger: Logger) {
        self.connectionString = connectionString
        self.sql = sql
        self.logger = logger
    }

    public init(connectionString: ConnectionString, sqlDirectory: URL, logger: Logger) {
        self.init(connectionString: connectionString, sql: .directory(sqlDirectory), logger: logger)
    }

    public func load(_ options: Options) throws -> Summary {
        try Identifier.validate(options.schema, what: "--schema")
        try Identifier.validate(options.simSchema, what: "--sim-schema")
        do { try options.simulation.validate() } catch {
            throw PipelineError(.configuration, "cannot generate: \(error)")
        }
        let started = DispatchTime.now()
        let admin = try Connection(connectionString)
        let existing = try admin.query(
            "SELECT to_regclass(\(Connection.quoteIdentifier(options.schema) + ".members")) IS NOT NULL").scalar(Bool.self) == true
        if existing && !options.replace {
            throw PipelineError(
                .configuration, "schema '\(options.schema)' already has source tables",
                fix: "pass --replace to swap in freshly generated data (the old data is dropped), or --schema NAME")
        }
        let staging = "\(options.schema)_load_\(getpid())"
        let simStaging = "\(options.simSchema)_load_\(getpid())"
        try createStaging(admin, staging: staging, simStaging: simStaging)
        do {
            var summary = try loadRows(options, staging: staging, simStaging: simStaging)
            logger.info("building indexes", metadata: ["schema": "\(options.schema)"])
            try finish(admin, options: options, staging: staging, simStaging: simStaging)
            summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            return summary
        } catch {
            _ = try? admin.execute(
                "DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(staging)) CASCADE; DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(simStaging)) CASCADE")
            throw error
        }
    }

    /// The contract DDL, run with the staging schema in place of `src`/`sim`.
    private func createStaging(_ connection: Connection, staging: String, simStaging: String) throws {
        let source = try sql.sourceFile("src_tables.sql")
        let sim = try sql.sourceFile("sim_tables.sql")
        try connection.transaction {
            try connection.execute("DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(staging)) CASCADE; DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(simStaging)) CASCADE")
            try connection.execute(Self.retarget(source, from: "src", to: staging), operation: "create staging source tables")
            try connection.execute(Self.retarget(sim, from: "sim", to: simStaging), operation: "create staging sim tables")
        }
        // Primary keys and indexes are built after the load: several times faster than maintaining them.
        try connection.execute(
            """
            ALTER TABLE \(Connection.quoteIdentifier(staging)).transactions DROP CONSTRAINT transactions_pkey;
            ALTER TABLE \(Connection.quoteIdentifier(staging)).members DROP CONSTRAINT members_pkey;
            ALTER TABLE \(Connection.quoteIdentifier(staging)).member_channels DROP CONSTRAINT member_channels_pkey;
            ALTER TABLE \(Connection.quoteIdentifier(simStaging)).member_truth DROP CONSTRAINT member_truth_pkey;
            """, operation: "defer primary keys")
    }

    static func retarget(_ sql: String, from: String, to: String) -> String {
        sql.replacingOccurrences(of: "SCHEMA IF NOT EXISTS \(from);", with: "SCHEMA IF NOT EXISTS \(Connection.quoteIdentifier(to));")
            .replacingOccurrences(of: " \(from).", with: " \(Connection.quoteIdentifier(to)).")
    }

    private func loadRows(_ options: Options, staging: String, simStaging: String) throws -> Summary {
        let retail: SyntheticRetail
        do { retail = try SyntheticRetail(config: options.simulation) } catch {
            throw PipelineError(.configuration, "cannot generate: \(error)")
        }
        let stores = retail.stores
        let s = SQL(trusted: Connection.quoteIdentifier(staging))
        let connection = try Connection(connectionString)
        try connection.copyIn("COPY \(s).stores FROM STDIN (FORMAT binary)", operation: "load stores") { writer in
            for store in stores {
                writer.encoder.beginRow(fieldCount: 6)
                writer.encoder.append(store.storeId)
                writer.encoder.append(store.name)
                writer.encoder.append(store.latitude)
                writer.encoder.append(store.longitude)
                writer.encoder.appendDate(store.openedOn)
                writer.encoder.appendDate(store.closedOn)
                try writer.rowDone()
            }
        }
        let totals = Mutex(Summary())
        let failure = Mutex<(any Error)?>(nil)
        let memberCount = options.simulation.members
        let workers = max(1, options.workers)
        let progress = Atomic<Int>(0)
        let logger = self.logger
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                let connection = try Connection(connectionString)
                var batch = MemberBatch(reservingCapacityFor: options.batchMembers)
                var local = Summary()
                var next = Int64(1 + worker)
                while next <= Int64(memberCount) {
                    if failure.withLock({ $0 != nil }) { return }
                    batch.removeAll()
                    var taken = 0
                    while taken < options.batchMembers, next <= Int64(memberCount) {
                        retail.member(next, into: &batch)
                        next += Int64(workers)
                        taken += 1
                    }
                    try Self.copy(batch, into: staging, simSchema: simStaging, connection: connection)
                    local.members += batch.members.count
                    local.locations += batch.locations.count
                    local.channels += batch.channels.count
                    local.transactions += batch.transactions.count
                    let done = progress.add(taken, ordering: .relaxed).newValue
                    if done / 100_000 != (done - taken) / 100_000 {
                        logger.info("generated members", metadata: ["members.done": .stringConvertible(done), "members.total": .stringConvertible(memberCount)])
                    }
                }
                totals.withLock {
                    $0.members += local.members
                    $0.locations += local.locations
                    $0.channels += local.channels
                    $0.transactions += local.transactions
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var summary = totals.withLock { $0 }
        summary.stores = stores.count
        return summary
    }

    private static func copy(_ batch: MemberBatch, into schema: String, simSchema: String, connection: Connection) throws {
        let s = SQL(trusted: Connection.quoteIdentifier(schema))
        try connection.copyIn("COPY \(s).members FROM STDIN (FORMAT binary)", operation: "load members") { writer in
            for row in batch.members {
                writer.encoder.beginRow(fieldCount: 5)
                writer.encoder.append(row.memberId)
                writer.encoder.appendTimestamp(row.joinedAt)
                writer.encoder.append(row.homeStoreId)
                writer.encoder.append(row.marketingConsent)
                writer.encoder.appendTimestamp(row.optedOutAt)
                try writer.rowDone()
            }
        }
        try connection.copyIn("COPY \(s).member_locations FROM STDIN (FORMAT binary)", operation: "load member_locations") { writer in
            for row in batch.locations {
                writer.encoder.beginRow(fieldCount: 5)
                writer.encoder.append(row.memberId)
                writer.encoder.append(row.latitude)
                writer.encoder.append(row.longitude)
                writer.encoder.appendTimestamp(row.observedAt)
                writer.encoder.append(row.source.rawValue)
                try writer.rowDone()
            }
        }
        try connection.copyIn("COPY \(s).member_channels FROM STDIN (FORMAT binary)", operation: "load member_channels") { writer in
            for row in batch.channels {
                writer.encoder.beginRow(fieldCount: 5)
                writer.encoder.append(row.memberId)
                writer.encoder.append(row.channel.rawValue)
                writer.encoder.appendTimestamp(row.verifiedAt)
                writer.encoder.appendTimestamp(row.lastDeliveredAt)
                writer.encoder.appendTimestamp(row.lastFailedAt)
                try writer.rowDone()
            }
        }
        try copyTransactions(batch.transactions, into: schema, connection: connection, operation: "load transactions")
        try connection.copyIn("COPY \(identifier: simSchema).member_truth FROM STDIN (FORMAT binary)", operation: "load sim.member_truth") { writer in
            for row in batch.truths {
                writer.encoder.beginRow(fieldCount: 14)
                writer.encoder.append(row.memberId)
                writer.encoder.append(row.purchaseRatePerDay)
                writer.encoder.append(row.dropoutP)
                writer.encoder.append(row.activated)
                writer.encoder.append(row.aliveAtAsOf)
                writer.encoder.appendTimestamp(row.dropoutAt)
                writer.encoder.appendTimestamp(row.firstPurchaseAt)
                writer.encoder.appendTimestamp(row.lastPurchaseAt)
                writer.encoder.append(row.purchaseCount)
                writer.encoder.append(row.meanSpendCents)
                writer.encoder.append(row.spendLogMu)
                writer.encoder.append(row.spendLogSigma)
                writer.encoder.append(row.primaryStoreId)
                writer.encoder.append(row.movedAway)
                try writer.rowDone()
            }
        }
    }

    /// Writes simulated transactions into `schema.transactions` (shared with the campaign simulator).
    static func copyTransactions(
        _ rows: some Sequence<TransactionRow>, into schema: String, connection: Connection, operation: String
    ) throws {
        try connection.copyIn("COPY \(identifier: schema).transactions FROM STDIN (FORMAT binary)", operation: operation) { writer in
            for row in rows {
                writer.encoder.beginRow(fieldCount: 6)
                writer.encoder.append(row.txnId)
                writer.encoder.append(row.memberId)
                writer.encoder.append(row.storeId)
                writer.encoder.appendTimestamp(row.occurredAt)
                writer.encoder.appendCents(row.amountCents)
                writer.encoder.append(row.couponCode)
                try writer.rowDone()
            }
        }
    }

    /// Keys and indexes, statistics, then the swap: old schemas out, staging schemas renamed in.
    private func finish(_ connection: Connection, options: Options, staging: String, simStaging: String) throws {
        let s = SQL(trusted: Connection.quoteIdentifier(staging))
        let indexes = try sql.sourceFile("src_indexes.sql")
        try connection.execute(
            """
            SET maintenance_work_mem = '512MB';
            ALTER TABLE \(s).transactions ADD PRIMARY KEY (txn_id);
            ALTER TABLE \(s).members ADD PRIMARY KEY (member_id);
            ALTER TABLE \(s).member_channels ADD PRIMARY KEY (member_id, channel);
            ALTER TABLE \(Connection.quoteIdentifier(simStaging)).member_truth ADD PRIMARY KEY (member_id);
            """, operation: "build primary keys")
        try connection.execute(Self.retarget(indexes, from: "src", to: staging), operation: "build indexes")
        try connection.execute("ANALYZE \(s).transactions; ANALYZE \(s).members; ANALYZE \(s).member_locations; ANALYZE \(s).member_channels; ANALYZE \(s).stores")
        try connection.transaction {
            let simulation = options.simulation
            try connection.query(
                """
                INSERT INTO \(identifier: simStaging).generation (members, stores, seed, as_of)
                VALUES (\(simulation.members), \(simulation.stores), \(Int64(bitPattern: simulation.seed)), \(PostgresEpoch.format(simulation.asOfDay))::date)
                """, operation: "record the generation")
            try connection.execute(
                """
                DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(options.schema)) CASCADE;
                DROP SCHEMA IF EXISTS \(Connection.quoteIdentifier(options.simSchema)) CASCADE;
                ALTER SCHEMA \(s) RENAME TO \(Connection.quoteIdentifier(options.schema));
                ALTER SCHEMA \(Connection.quoteIdentifier(simStaging)) RENAME TO \(Connection.quoteIdentifier(options.simSchema));
                """, operation: "swap in generated data")
        }
    }
}
