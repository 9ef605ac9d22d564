//! Round trips from the proxy's record ([`super::CallSpan`]): what a request waits for when
//! every call costs a network round trip, whatever the emulator's own speed.

use std::collections::BTreeMap;

use super::CallSpan;

/// The round trips `calls` took: the longest chain of calls in which each one arrived after
/// the one before it was answered. Calls that overlap are one round trip, however many they
/// are; a call sent only once another has answered is one more. A call never answered ends
/// its chain.
pub fn round_trips(calls: &[CallSpan]) -> usize {
    let mut calls: Vec<&CallSpan> = calls.iter().collect();
    // A predecessor was answered before its successor arrived, so it arrived first too.
    calls.sort_by_key(|c| c.arrived);
    // depth[i]: the longest chain that ends with calls[i].
    let mut depth: Vec<usize> = Vec::with_capacity(calls.len());
    for call in &calls {
        // Zipped with the depths known so far: only the calls that arrived before this one.
        let before = calls
            .iter()
            .zip(&depth)
            .filter(|(earlier, _)| earlier.answered.is_some_and(|at| at <= call.arrived))
            .map(|(_, d)| *d)
            .max()
            .unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// [`round_trips`] of each Region's calls on their own, by Region. Against one emulator the
/// calls of different Regions queue behind each other, so a chain across Regions can be the
/// emulator's queue rather than the caller waiting; within a Region it cannot.
pub fn round_trips_by_region(calls: &[CallSpan]) -> BTreeMap<String, usize> {
    let mut by_region: BTreeMap<String, Vec<CallSpan>> = BTreeMap::new();
    for call in calls {
        by_region
            .entry(call.region.clone())
            .or_default()
            .push(call.clone());
    }
    by_region
        .into_iter()
        .map(|(region, calls)| (region, round_trips(&calls)))
        .collect()
}
