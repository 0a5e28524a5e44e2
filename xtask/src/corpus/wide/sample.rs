//! Deterministic samples of the directory: the same seed and the same
//! documents give the same sample on every machine and every Rust version.

/// The generate sample's seed (`--sample N` without `--seed`).
pub const SAMPLE_SEED: u64 = 1;
/// The build sample's seed (`--build N` without `--build-seed`): its own,
/// so the built documents are not simply the first of the generate sample.
pub const BUILD_SEED: u64 = 2;

/// FNV-1a, 64 bits, over `bytes`: written out here because std's
/// `DefaultHasher` may change between Rust versions, and a sample must not.
pub fn fnv1a64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A document's place in the order of `seed`: the hash of the seed (8
/// bytes, little-endian) followed by the path (relative, `/`-separated).
pub fn rank(seed: u64, path: &str) -> u64 {
    fnv1a64(seed.to_le_bytes().into_iter().chain(path.bytes()))
}

/// `paths` in the order of `seed` (by [`rank`], then by path), whatever
/// order they came in.
pub fn order<'a>(paths: impl IntoIterator<Item = &'a str>, seed: u64) -> Vec<&'a str> {
    let mut ranked: Vec<(u64, &str)> = paths.into_iter().map(|p| (rank(seed, p), p)).collect();
    ranked.sort_unstable();
    ranked.dedup();
    ranked.into_iter().map(|(_, p)| p).collect()
}

/// The first `n` of `paths` in the order of `seed`.
pub fn sample<'a>(paths: impl IntoIterator<Item = &'a str>, seed: u64, n: usize) -> Vec<&'a str> {
    let mut ordered = order(paths, seed);
    ordered.truncate(n);
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_is_the_published_function() {
        // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a64(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(*b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_sample_is_stable_and_independent_of_input_order() {
        let paths: Vec<String> = (0..200)
            .map(|i| format!("api/example{i}.com/v{}/openapi.json", i % 7))
            .collect();
        let forward = sample(paths.iter().map(String::as_str), SAMPLE_SEED, 10);
        let backward = sample(paths.iter().rev().map(String::as_str), SAMPLE_SEED, 10);
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 10);
        // A longer sample starts with the shorter one.
        let longer = sample(paths.iter().map(String::as_str), SAMPLE_SEED, 20);
        assert_eq!(&longer[..10], &forward[..]);
        // Another seed, another sample.
        let other = sample(paths.iter().map(String::as_str), BUILD_SEED, 10);
        assert_ne!(forward, other);
        // Pinned: the hash and the order are the same on every machine and
        // Rust version (change this only on purpose: it changes CI's sample).
        assert_eq!(
            sample(paths.iter().map(String::as_str), SAMPLE_SEED, 3),
            [
                "api/example55.com/v6/openapi.json",
                "api/example136.com/v3/openapi.json",
                "api/example195.com/v6/openapi.json"
            ]
        );
    }
}
