/// A fixed-capacity least-recently-used map (not thread-safe; callers lock).
/// Nodes live in arrays linked by index, so a hit or an insert allocates nothing once full.
struct LRUCache<Key: Hashable, Value> {
    private struct Node { var key: Key; var value: Value; var prev: Int; var next: Int }
    let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var head = -1  // most recent
    private var tail = -1  // least recent

    init(capacity: Int) { self.capacity = max(0, capacity) }

    var count: Int { index.count }

    mutating func get(_ key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        moveToFront(i)
        return nodes[i].value
    }

    mutating func set(_ key: Key, _ value: Value) {
        guard capacity > 0 else { return }
        if let i = index[key] { nodes[i].value = value; moveToFront(i); return }
        let i: Int
        if nodes.count < capacity {
            i = nodes.count
            nodes.append(Node(key: key, value: value, prev: -1, next: -1))
        } else {
            i = tail  // evict the least recently used node and reuse its slot
            unlink(i)
            index[nodes[i].key] = nil
            nodes[i] = Node(key: key, value: value, prev: -1, next: -1)
        }
        index[key] = i
        pushFront(i)
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        unlink(i); pushFront(i)
    }

    private mutating func unlink(_ i: Int) {
        let p = nodes[i].prev, n = nodes[i].next
        if p >= 0 { nodes[p].next = n } else { head = n }
        if n >= 0 { nodes[n].prev = p } else { tail = p }
        nodes[i].prev = -1; nodes[i].next = -1
    }

    private mutating func pushFront(_ i: Int) {
        nodes[i].next = head
        nodes[i].prev = -1
        if head >= 0 { nodes[head].prev = i }
        head = i
        if tail < 0 { tail = i }
    }
}
