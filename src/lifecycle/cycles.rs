//! Cycles among many links at once: an import adds thousands of links in one commit, and
//! checking each against the whole graph (as a single `mission depends` does) is quadratic.
//! One pass over the final graph finds the strongly connected parts; only links inside one of
//! them can close a cycle, and only those are checked one by one, in the order given.

use std::collections::{HashMap, VecDeque};

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
            Some(path) => closers.push(Closer {
                index,
                path: path
                    .into_iter()
                    .map(|i| labels[i as usize].to_string())
                    .collect(),
            }),
            None => kept[before as usize].push(after),
        }
    }
    closers
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
    fn a_link_to_itself_closes_a_cycle() {
        let closers = cycle_closers(&[], &[("a", "a")]);
        assert_eq!(closers.len(), 1);
        assert_eq!(closers[0].path, vec!["a"]);
    }
}
