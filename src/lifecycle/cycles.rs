//! The one cycle finder of cmos, for a single new link (`mission depends`), for thousands at
//! once (an import: checking each against the whole graph would be quadratic) and for a
//! whole branch (`verify`). One pass over the graph finds the strongly connected parts; only
//! links inside one of them can close a cycle, and only those are looked at one by one.

use std::collections::{HashMap, VecDeque};

use crate::index::Index;
use crate::model::DepType;

/// An ordering link as "`before` must finish before `after`".
pub type Precedence<'a> = (&'a str, &'a str);

/// A link of `added` that would close a cycle: its position in `added` and the chain of
/// "finishes before" links it would close (`after` … `before`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closer {
    pub index: usize,
    pub path: Vec<String>,
}

/// The links of `added` that close a cycle, given the links already stored (`fixed`, kept
/// whatever they do). Links are taken in the order given, so of a cycle the link that comes
/// last is the one refused, as if they had been added one at a time. Linear in the size of
/// the graph when nothing cycles; a cycle costs a search over its own part of the graph.
pub fn cycle_closers(fixed: &[Precedence<'_>], added: &[Precedence<'_>]) -> Vec<Closer> {
    let mut names: HashMap<&str, u32> = HashMap::new();
    let mut labels: Vec<&str> = Vec::new();
    let mut node = |name| {
        *names.entry(name).or_insert_with(|| {
            labels.push(name);
            (labels.len() - 1) as u32
        })
    };
    let fixed: Vec<(u32, u32)> = fixed.iter().map(|(a, b)| (node(a), node(b))).collect();
    let added: Vec<(u32, u32)> = added.iter().map(|(a, b)| (node(a), node(b))).collect();
    let n = labels.len();
    let mut next: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (a, b) in fixed.iter().chain(&added) {
        next[*a as usize].push(*b);
    }
    if let [(before, after)] = added[..] {
        // One new link (`mission depends`): a search from its end back to its start is all
        // it takes; parting the whole graph first would only add to the cost.
        let one_part = vec![0; n];
        let path = path_between(&next, &one_part, after, before);
        return path
            .into_iter()
            .map(|path| closer(0, path, &labels))
            .collect();
    }
    let part = strongly_connected(&next);
    let inside = |(a, b): (u32, u32)| a == b || part[a as usize] == part[b as usize];
    if !added.iter().any(|e| inside(*e)) {
        return Vec::new();
    }
    // Only links within one part can close a cycle: start from the stored ones there and
    // add the new ones in order, refusing each that finds a way back to its start.
    let mut kept: Vec<Vec<u32>> = vec![Vec::new(); n];
    for e in fixed.iter().filter(|e| inside(**e)) {
        kept[e.0 as usize].push(e.1);
    }
    let mut closers = Vec::new();
    for (index, (before, after)) in added.iter().copied().enumerate() {
        if !inside((before, after)) {
            continue;
        }
        match path_between(&kept, &part, after, before) {
            Some(path) => closers.push(closer(index, path, &labels)),
            None => kept[before as usize].push(after),
        }
    }
    closers
}

fn closer(index: usize, path: Vec<u32>, labels: &[&str]) -> Closer {
    Closer {
        index,
        path: path
            .into_iter()
            .map(|i| labels[i as usize].to_string())
            .collect(),
    }
}

/// The ordering links (requires, blocks) among the missions of `index` as "finishes before"
/// pairs, leaving out `skip` (a link from its first mission to its second, being replaced).
/// A link to a mission that does not exist orders nothing, so it is left out too.
pub fn ordering_links<'a>(index: &'a Index, skip: Option<(&str, &str)>) -> Vec<Precedence<'a>> {
    let mut links = Vec::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            if skip == Some((m.id.as_str(), on.as_str()))
                || !index.missions.contains_key(on.as_str())
            {
                continue;
            }
            match kind {
                DepType::Requires => links.push((on.as_str(), m.id.as_str())),
                DepType::Blocks => links.push((m.id.as_str(), on.as_str())),
                DepType::Relates | DepType::Informs => {}
            }
        }
    }
    links
}

/// The cycles among `links`, one for each part of the graph that cycles: the shortest one
/// through the part's smallest name, from that name back to it, in "finishes before" order.
/// Sorted by that name, so two runs over one branch say the same thing.
pub fn cycles(links: &[Precedence<'_>]) -> Vec<Vec<String>> {
    let mut names: HashMap<&str, u32> = HashMap::new();
    let mut labels: Vec<&str> = Vec::new();
    let mut next: Vec<Vec<u32>> = Vec::new();
    for (a, b) in links {
        let mut node = |name| {
            *names.entry(name).or_insert_with(|| {
                labels.push(name);
                next.push(Vec::new());
                (labels.len() - 1) as u32
            })
        };
        let (a, b) = (node(a), node(b));
        next[a as usize].push(b);
    }
    // Searches follow names in order, so the cycle found does not depend on the links' order.
    for targets in &mut next {
        targets.sort_unstable_by_key(|&t| labels[t as usize]);
        targets.dedup();
    }
    let part = strongly_connected(&next);
    let mut smallest: HashMap<u32, u32> = HashMap::new();
    for node in 0..labels.len() as u32 {
        let p = part[node as usize];
        let entry = smallest.entry(p).or_insert(node);
        if labels[node as usize] < labels[*entry as usize] {
            *entry = node;
        }
    }
    let mut found: Vec<Vec<String>> = Vec::new();
    for start in smallest.into_values() {
        // Of the ways back from each next node inside the part, the shortest closes the cycle;
        // a part of one node without a link to itself has none.
        let back = next[start as usize]
            .iter()
            .filter(|&&w| part[w as usize] == part[start as usize])
            .filter_map(|&w| path_between(&next, &part, w, start))
            .min_by_key(Vec::len);
        if let Some(path) = back {
            let mut cycle = vec![labels[start as usize].to_string()];
            cycle.extend(path.into_iter().map(|i| labels[i as usize].to_string()));
            found.push(cycle);
        }
    }
    found.sort();
    found
}

/// A chain of links from `start` to `goal` within their part of the graph, if there is one.
fn path_between(next: &[Vec<u32>], part: &[u32], start: u32, goal: u32) -> Option<Vec<u32>> {
    let mut parent: HashMap<u32, u32> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    parent.insert(start, start);
    while let Some(at) = queue.pop_front() {
        if at == goal {
            let mut path = vec![goal];
            let mut step = goal;
            while step != start {
                step = parent[&step];
                path.push(step);
            }
            path.reverse();
            return Some(path);
        }
        for &to in &next[at as usize] {
            if part[to as usize] == part[start as usize] && !parent.contains_key(&to) {
                parent.insert(to, at);
                queue.push_back(to);
            }
        }
    }
    None
}

/// The strongly connected part of each node (Tarjan's algorithm, without recursion so a
/// 100,000-long chain cannot overflow the stack).
fn strongly_connected(next: &[Vec<u32>]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let n = next.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut part = vec![UNSEEN; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut counter = 0u32;
    let mut parts = 0u32;
    // (node, position in its list of next nodes)
    let mut calls: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if order[root as usize] != UNSEEN {
            continue;
        }
        calls.push((root, 0));
        while let Some(&mut (v, ref mut i)) = calls.last_mut() {
            let vu = v as usize;
            if *i == 0 && order[vu] == UNSEEN {
                order[vu] = counter;
                low[vu] = counter;
                counter += 1;
                stack.push(v);
                on_stack[vu] = true;
            }
            if let Some(&w) = next[vu].get(*i) {
                *i += 1;
                let wu = w as usize;
                if order[wu] == UNSEEN {
                    calls.push((w, 0));
                } else if on_stack[wu] {
                    low[vu] = low[vu].min(order[wu]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                let pu = parent as usize;
                low[pu] = low[pu].min(low[vu]);
            }
            if low[vu] == order[vu] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    part[w as usize] = parts;
                    if w == v {
                        break;
                    }
                }
                parts += 1;
            }
        }
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_chain_has_no_cycle_and_costs_one_pass() {
        let names: Vec<String> = (0..200_000).map(|i| format!("m{i}")).collect();
        let links: Vec<Precedence<'_>> = names
            .windows(2)
            .map(|w| (w[0].as_str(), w[1].as_str()))
            .collect();
        assert!(cycle_closers(&[], &links).is_empty());
    }

    #[test]
    fn the_link_that_comes_last_in_a_cycle_is_refused() {
        let added = [("a", "b"), ("b", "c"), ("x", "y"), ("c", "a"), ("b", "a")];
        let closers = cycle_closers(&[], &added);
        assert_eq!(
            closers,
            vec![
                Closer {
                    index: 3,
                    path: vec!["a".into(), "b".into(), "c".into()]
                },
                Closer {
                    index: 4,
                    path: vec!["a".into(), "b".into()]
                },
            ]
        );
    }

    #[test]
    fn stored_links_are_kept_and_the_new_one_refused() {
        let closers = cycle_closers(&[("a", "b"), ("b", "c")], &[("c", "a"), ("a", "c")]);
        assert_eq!(closers.len(), 1);
        assert_eq!(closers[0].index, 0);
        assert_eq!(closers[0].path, vec!["a", "b", "c"]);
    }

    #[test]
    fn each_cycling_part_is_reported_once_from_its_smallest_name() {
        let links = [
            ("c", "a"),
            ("a", "b"),
            ("b", "c"),
            ("b", "a"),
            ("x", "y"),
            ("z", "z"),
        ];
        assert_eq!(
            cycles(&links),
            vec![vec!["a", "b", "a"], vec!["z", "z"]],
            "the shortest way back wins; a chain without a way back is no cycle"
        );
        assert!(cycles(&[("a", "b"), ("b", "c")]).is_empty());
    }

    #[test]
    fn a_link_to_itself_closes_a_cycle() {
        let closers = cycle_closers(&[], &[("a", "a")]);
        assert_eq!(closers.len(), 1);
        assert_eq!(closers[0].path, vec!["a"]);
    }
}
