/// The PostgreSQL schema of `export --format pgsql`: the tables the v1.2 server itself runs on
/// (its SQLAlchemy models, contract §10.1–10.3: `metadata`, `deprecated_by`, `completed_count`,
/// `completed_at` …), so the original Python server can serve a loaded database and the
/// operations guide's SQL runs unchanged. Differences from the ORM, all additive:
/// - column DEFAULTs for namespace/memory_type/scope/json columns/counters (the ORM sets them in
///   Python; defaults let hand-written INSERTs work too);
/// - `UNIQUE (project_id, session_id)` instead of the ORM's global `UNIQUE (session_id)` (this
///   store is multi-project) and `UNIQUE (project_id, namespace, feature_id)` (the engine
///   enforces it; the ORM had none);
/// - the guide's `ix_memories_type (project_id, memory_type)` besides the ORM's indexes.
/// No column is added or renamed.
public enum PostgresSchema {
    /// Bumped when the generated SQL changes shape.
    public static let formatVersion = 1

    public static let memoryColumns = [
        "id", "project_id", "user_id", "agent_id", "namespace", "memory_type", "content", "content_hash",
        "embedding", "metadata", "scope", "shared_with_agents", "derived_from_agents", "coordination_metadata",
        "created_at", "updated_at", "expires_at", "bullet_helpful", "bullet_harmful", "is_deprecated",
        "deprecated_at", "deprecated_by", "superseded_by", "source_trajectory_id", "error_pattern",
    ]
    public static let voteColumns = ["id", "memory_id", "project_id", "voter_agent_id", "vote", "context", "task_id", "created_at"]
    public static let sessionColumns = [
        "id", "project_id", "session_id", "agent_id", "user_id", "namespace", "completed_items", "in_progress_item",
        "next_items", "blocked_items", "status", "summary", "last_action", "total_items", "completed_count",
        "created_at", "updated_at",
    ]
    public static let featureColumns = [
        "id", "project_id", "session_id", "namespace", "feature_id", "category", "description", "test_steps",
        "status", "passes", "implemented_by", "verified_by", "implementation_notes", "failure_reason",
        "created_at", "updated_at", "completed_at",
    ]

    public static func createTables(dimension: Int) -> String {
        """
        CREATE EXTENSION IF NOT EXISTS vector;

        CREATE TABLE IF NOT EXISTS memories (
            id VARCHAR(32) PRIMARY KEY,
            project_id VARCHAR(64) NOT NULL,
            user_id VARCHAR(64),
            agent_id VARCHAR(64),
            namespace VARCHAR(64) NOT NULL DEFAULT 'default',
            memory_type VARCHAR(16) NOT NULL DEFAULT 'standard',
            content TEXT NOT NULL,
            content_hash VARCHAR(64) NOT NULL,
            embedding vector(\(dimension)) NOT NULL,
            metadata JSON NOT NULL DEFAULT '{}',
            scope VARCHAR(16) NOT NULL DEFAULT 'agent-private',
            shared_with_agents JSON NOT NULL DEFAULT '[]',
            derived_from_agents JSON NOT NULL DEFAULT '[]',
            coordination_metadata JSON NOT NULL DEFAULT '{}',
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            expires_at TIMESTAMPTZ,
            bullet_helpful INTEGER NOT NULL DEFAULT 0,
            bullet_harmful INTEGER NOT NULL DEFAULT 0,
            is_deprecated BOOLEAN NOT NULL DEFAULT false,
            deprecated_at TIMESTAMPTZ,
            deprecated_by VARCHAR(64),
            superseded_by VARCHAR(32),
            source_trajectory_id VARCHAR(64),
            error_pattern VARCHAR(128)
        );

        CREATE TABLE IF NOT EXISTS vote_history (
            id VARCHAR(32) PRIMARY KEY,
            memory_id VARCHAR(32) NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            project_id VARCHAR(64) NOT NULL,
            voter_agent_id VARCHAR(64) NOT NULL,
            vote VARCHAR(8) NOT NULL,
            context TEXT,
            task_id VARCHAR(64),
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE IF NOT EXISTS session_progress (
            id VARCHAR(32) PRIMARY KEY,
            project_id VARCHAR(64) NOT NULL,
            session_id VARCHAR(64) NOT NULL,
            agent_id VARCHAR(64),
            user_id VARCHAR(64),
            namespace VARCHAR(64) NOT NULL DEFAULT 'default',
            completed_items JSON NOT NULL DEFAULT '[]',
            in_progress_item VARCHAR(256),
            next_items JSON NOT NULL DEFAULT '[]',
            blocked_items JSON NOT NULL DEFAULT '[]',
            status VARCHAR(16) NOT NULL DEFAULT 'active',
            summary TEXT,
            last_action TEXT,
            total_items INTEGER NOT NULL DEFAULT 0,
            completed_count INTEGER NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            CONSTRAINT uq_session_project UNIQUE (project_id, session_id)
        );

        CREATE TABLE IF NOT EXISTS feature_tracker (
            id VARCHAR(32) PRIMARY KEY,
            project_id VARCHAR(64) NOT NULL,
            session_id VARCHAR(64),
            namespace VARCHAR(64) NOT NULL DEFAULT 'default',
            feature_id VARCHAR(128) NOT NULL,
            category VARCHAR(64),
            description TEXT NOT NULL,
            test_steps JSON NOT NULL DEFAULT '[]',
            status VARCHAR(16) NOT NULL DEFAULT 'not_started',
            passes BOOLEAN NOT NULL DEFAULT false,
            implemented_by VARCHAR(64),
            verified_by VARCHAR(64),
            implementation_notes TEXT,
            failure_reason TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            completed_at TIMESTAMPTZ,
            CONSTRAINT uq_feature_project UNIQUE (project_id, namespace, feature_id)
        );

        """
    }

    /// Created after the data is loaded (faster than maintaining them row by row).
    public static let createIndexes = """
        CREATE INDEX IF NOT EXISTS ix_memories_project_ns_user ON memories (project_id, namespace, user_id);
        CREATE INDEX IF NOT EXISTS ix_memories_project_ns_scope ON memories (project_id, namespace, scope);
        CREATE INDEX IF NOT EXISTS ix_memories_project_agent ON memories (project_id, agent_id);
        CREATE INDEX IF NOT EXISTS ix_memories_content_hash ON memories (content_hash);
        CREATE INDEX IF NOT EXISTS ix_memories_expires ON memories (expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ix_memories_project_type ON memories (project_id, namespace, memory_type);
        CREATE INDEX IF NOT EXISTS ix_memories_type ON memories (project_id, memory_type);
        CREATE INDEX IF NOT EXISTS ix_memories_active ON memories (project_id, namespace, is_deprecated) WHERE is_deprecated = false;
        CREATE INDEX IF NOT EXISTS ix_memories_embedding_hnsw ON memories
            USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
        CREATE INDEX IF NOT EXISTS ix_votes_memory ON vote_history (memory_id);
        CREATE INDEX IF NOT EXISTS ix_votes_agent ON vote_history (project_id, voter_agent_id);
        CREATE INDEX IF NOT EXISTS ix_session_project ON session_progress (project_id, namespace);
        CREATE INDEX IF NOT EXISTS ix_session_agent ON session_progress (project_id, agent_id);
        CREATE INDEX IF NOT EXISTS ix_feature_project ON feature_tracker (project_id, namespace);
        CREATE INDEX IF NOT EXISTS ix_feature_session ON feature_tracker (session_id);
        CREATE INDEX IF NOT EXISTS ix_feature_status ON feature_tracker (project_id, status);

        """
}
