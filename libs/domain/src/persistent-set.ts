/** Keys whose 32-bit hashes are all equal (rare): kept together where a single key would be. */
interface Collision {
  readonly hash: number;
  readonly keys: readonly string[];
}

/** A branch: its children in the order of their 5 bits of the hash, `bitmap` saying which are present. */
interface Branch {
  readonly bitmap: number;
  readonly children: readonly Node[];
}

/** A key is its own leaf: no object per key. */
type Leaf = string | Collision;
type Node = Leaf | Branch;

const isBranch = (node: Node): node is Branch => typeof node !== 'string' && 'bitmap' in node;

/** FNV-1a over the UTF-16 code units. */
const hashOf = (key: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
};

const hashOfLeaf = (leaf: Leaf): number => (typeof leaf === 'string' ? hashOf(leaf) : leaf.hash);
const keysOf = (leaf: Leaf): readonly string[] => (typeof leaf === 'string' ? [leaf] : leaf.keys);

const slotOf = (hash: number, shift: number): number => (hash >>> shift) & 31;

/** Where the child of `slot` is among a branch's children: how many present slots come before it. */
const indexOf = (bitmap: number, slot: number): number => {
  let below = bitmap & ((1 << slot) - 1);
  below -= (below >>> 1) & 0x55555555;
  below = (below & 0x33333333) + ((below >>> 2) & 0x33333333);
  return Math.imul((below + (below >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};

/** Two leaves of different hashes under one branch, split where their hashes first differ. */
const split = (a: Leaf, hashA: number, b: Leaf, hashB: number, shift: number): Branch => {
  const [slotA, slotB] = [slotOf(hashA, shift), slotOf(hashB, shift)];
  if (slotA === slotB) return { bitmap: 1 << slotA, children: [split(a, hashA, b, hashB, shift + 5)] };
  return { bitmap: (1 << slotA) | (1 << slotB), children: slotA < slotB ? [a, b] : [b, a] };
};

const added = (node: Node, hash: number, key: string, shift: number): Node => {
  if (!isBranch(node)) {
    const hashOfNode = hashOfLeaf(node);
    if (hashOfNode !== hash) return split(node, hashOfNode, key, hash, shift);
    const keys = keysOf(node);
    return keys.includes(key) ? node : { hash, keys: [...keys, key] };
  }
  const slot = slotOf(hash, shift);
  const at = indexOf(node.bitmap, slot);
  if ((node.bitmap & (1 << slot)) === 0) {
    const children = node.children.slice();
    children.splice(at, 0, key);
    return { bitmap: node.bitmap | (1 << slot), children };
  }
  const child = added(node.children[at]!, hash, key, shift + 5);
  if (child === node.children[at]) return node;
  const children = node.children.slice();
  children[at] = child;
  return { bitmap: node.bitmap, children };
};

/**
 * An immutable set of strings (a hash array mapped trie): `with` returns a new set that shares all
 * but one path with this one (at most 7 nodes of at most 32 children), and `has` walks that path.
 * Folding n additions costs O(n), where copying an array or a Set each time costs O(n²). Any state
 * may be extended more than once (a batch decided again after a conflict): nothing is ever mutated,
 * and unlike a shared log (Likers, LinkedCards) extending an older state costs no copy of it all.
 */
export class PersistentSet implements Iterable<string> {
  static readonly empty = new PersistentSet({ bitmap: 0, children: [] }, 0);

  private constructor(
    private readonly root: Branch,
    readonly size: number,
  ) {}

  static of(keys: Iterable<string>): PersistentSet {
    let set = PersistentSet.empty;
    for (const key of keys) set = set.with(key);
    return set;
  }

  has(key: string): boolean {
    const hash = hashOf(key);
    let node: Node = this.root;
    for (let shift = 0; isBranch(node); shift += 5) {
      const slot = slotOf(hash, shift);
      if ((node.bitmap & (1 << slot)) === 0) return false;
      node = node.children[indexOf(node.bitmap, slot)]!;
    }
    return typeof node === 'string' ? node === key : node.hash === hash && node.keys.includes(key);
  }

  /** This set with `key`: this very set when it holds it already. */
  with(key: string): PersistentSet {
    const root = added(this.root, hashOf(key), key, 0) as Branch;
    return root === this.root ? this : new PersistentSet(root, this.size + 1);
  }

  *[Symbol.iterator](): Iterator<string> {
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (isBranch(node)) stack.push(...node.children);
      else yield* keysOf(node);
    }
  }

  /** Logged or compared as its keys, not its trie. */
  toJSON(): string[] {
    return [...this];
  }
}
