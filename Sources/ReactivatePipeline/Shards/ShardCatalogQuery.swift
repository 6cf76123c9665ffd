import Postgres
import ReactivateCore

/// The catalog SQL the shard map is read with (postgres_fdw partitions and Citus shards).
enum ShardCatalogQuery {
    /// How a source relation is stored: its kind, and for a partitioned table its strategy and key column.
    static func relation(schema: String, table: String) -> SQL {
        """
        SELECT c.relkind::text, pt.partstrat::text, pt.partnatts::int4,
               (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = pt.partattrs[0])
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
        WHERE n.nspname = \(schema) AND c.relname = \(table)
        """
    }

    /// Every leaf of a partitioned relation: its level, bound, and for a foreign table the server, its
    /// wrapper and the remote table (postgres_fdw defaults the remote names to the local ones).
    static func leaves(of relation: QualifiedRelation) -> SQL {
        """
        SELECT n.nspname::text, c.relname::text, c.relkind::text, t.level::int4, pg_get_expr(c.relpartbound, c.oid),
               s.srvname::text, w.fdwname::text,
               coalesce((SELECT o.option_value FROM pg_options_to_table(ft.ftoptions) o WHERE o.option_name = 'schema_name'), n.nspname::text),
               coalesce((SELECT o.option_value FROM pg_options_to_table(ft.ftoptions) o WHERE o.option_name = 'table_name'), c.relname::text)
        FROM pg_partition_tree(to_regclass(\(relation.regclassText))) t
        JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
        LEFT JOIN pg_foreign_server s ON s.oid = ft.ftserver
        LEFT JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
        WHERE t.isleaf
        ORDER BY c.relname
        """
    }

    /// A foreign server's options, then its user mapping's for the current user (else PUBLIC), where
    /// this role may read them (`pg_user_mappings` hides the options of mappings it does not own).
    static func serverOptions(_ name: String) -> SQL {
        """
        SELECT 0, o.option_name::text, o.option_value::text
        FROM pg_foreign_server s, pg_options_to_table(s.srvoptions) o WHERE s.srvname = \(name)
        UNION ALL
        SELECT CASE WHEN um.umuser = 0 THEN 2 ELSE 1 END, o.option_name::text, o.option_value::text
        FROM pg_user_mappings um, pg_options_to_table(um.umoptions) o
        WHERE um.srvname = \(name) AND (um.umuser = 0 OR um.usename = current_user)
        ORDER BY 1
        """
    }

    /// Whether a unique index (no predicate, no expressions) on a shard's table covers only `columns`.
    static func uniqueIndex(on relation: QualifiedRelation, within columns: [String]) -> SQL {
        """
        SELECT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = to_regclass(\(relation.regclassText)) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
            AND (SELECT array_agg(a.attname::text) FROM pg_attribute a
                 WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) <@ string_to_array(\(columns.joined(separator: ",")), ','))
        """
    }

    /// The installed Citus version, if any.
    static let citusVersion: SQL = "SELECT extversion FROM pg_extension WHERE extname = 'citus'"

    /// A Citus table's distribution: method, column, co-location group.
    static func citusDistribution(_ relation: QualifiedRelation) -> SQL {
        """
        SELECT p.partmethod::text, column_to_column_name(p.logicalrelid, p.partkey)::text, p.colocationid::int8
        FROM pg_dist_partition p WHERE p.logicalrelid = to_regclass(\(relation.regclassText))
        """
    }

    /// A Citus table's shards with the node of each (the first active placement, by group).
    static func citusShards(_ relation: QualifiedRelation) -> SQL {
        """
        SELECT DISTINCT ON (s.shardid) s.shardid::int8, s.shardminvalue::int8, s.shardmaxvalue::int8,
               n.nodename::text, n.nodeport::int4, c.relname::text, ns.nspname::text
        FROM pg_dist_shard s
        JOIN pg_dist_placement pl ON pl.shardid = s.shardid
        JOIN pg_dist_node n ON n.groupid = pl.groupid AND n.isactive
        JOIN pg_class c ON c.oid = s.logicalrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
        WHERE s.logicalrelid = to_regclass(\(relation.regclassText))
        ORDER BY s.shardid, pl.groupid
        """
    }
}
