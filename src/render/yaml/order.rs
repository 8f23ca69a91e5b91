//! Map keys in the order yaml.v2 writes them (`keyList.Less` in `sorter.go`): a "natural"
//! order in which runs of digits compare by value (`ip_9` < `ip_10`) and, at the first
//! difference, a non-letter sorts before a letter (`a_b` < `ab`, `a1` < `ab`).

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

/// The entries of a JSON object in yaml.v2's key order.
pub(super) fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    merge_sort(&mut entries, &|a, b| key_less(a.0, b.0));
    entries
}

/// A stable merge sort driven by a "less" predicate. `slice::sort_by` may panic when a
/// comparator is not a total order; yaml.v2's is not guaranteed to be one for every input.
fn merge_sort<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    if items.len() < 2 {
        return;
    }
    let middle = items.len() / 2;
    merge_sort(&mut items[..middle], less);
    merge_sort(&mut items[middle..], less);
    let mut merged = Vec::with_capacity(items.len());
    let (mut left, mut right) = (0, middle);
    while left < middle && right < items.len() {
        if less(&items[right], &items[left]) {
            merged.push(items[right]);
            right += 1;
        } else {
            merged.push(items[left]);
            left += 1;
        }
    }
    merged.extend_from_slice(&items[left..middle]);
    merged.extend_from_slice(&items[right..]);
    items.copy_from_slice(&merged);
}

/// `keyList.Less` for two string keys.
fn key_less(a: &str, b: &str) -> bool {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (is_letter(ar[i]), is_letter(br[i]));
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0_i64, 0_i64);
        if ar[i] == '0' || br[i] == '0' {
            // Leading zeros of a number that started earlier still count.
            for &c in ar[..i].iter().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let (an, ai) = digit_run(&ar, i, an);
        let (bn, bi) = digit_run(&br, i, bn);
        return match an.cmp(&bn) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal if ai != bi => ai < bi,
            Ordering::Equal => ar[i] < br[i],
        };
    }
    ar.len() < br.len()
}

/// The value of the digits starting at `start` (Go's wrapping int64 arithmetic) and where
/// they end.
fn digit_run(chars: &[char], start: usize, initial: i64) -> (i64, usize) {
    let mut value = initial;
    let mut end = start;
    while end < chars.len() && is_digit(chars[end]) {
        value = value
            .wrapping_mul(10)
            .wrapping_add(i64::from(u32::from(chars[end])) - i64::from(u32::from('0')));
        end += 1;
    }
    (value, end)
}

/// Go's `unicode.IsLetter` (category L).
fn is_letter(c: char) -> bool {
    static LETTER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\p{L}$").expect("a valid constant pattern"));
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        LETTER.is_match(c.encode_utf8(&mut [0; 4]))
    }
}

/// Go's `unicode.IsDigit` (category Nd).
fn is_digit(c: char) -> bool {
    static DIGIT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\p{Nd}$").expect("a valid constant pattern"));
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        DIGIT.is_match(c.encode_utf8(&mut [0; 4]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        let map: Map<String, Value> = keys
            .iter()
            .map(|k| ((*k).to_owned(), Value::Null))
            .collect();
        sorted_entries(&map)
            .into_iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    #[test]
    fn digit_runs_compare_by_value() {
        assert_eq!(
            order(&["index_10", "index_9", "index_0_1", "index_3", "index_5_2"]),
            ["index_0_1", "index_3", "index_5_2", "index_9", "index_10"]
        );
        assert_eq!(order(&["ip_2", "ip_10", "ip_1"]), ["ip_1", "ip_2", "ip_10"]);
    }

    #[test]
    fn non_letters_sort_before_letters() {
        assert_eq!(
            order(&["ab", "a_b", "a1", "a-b"]),
            ["a-b", "a_b", "a1", "ab"]
        );
        // Byte order would put `a{` after `ab`.
        assert_eq!(order(&["ab", "a{"]), ["a{", "ab"]);
    }

    #[test]
    fn letters_compare_by_code_point_and_prefixes_first() {
        assert_eq!(order(&["b", "B", "a", "A"]), ["A", "B", "a", "b"]);
        assert_eq!(
            order(&["providerid", "provider", "abc"]),
            ["abc", "provider", "providerid"]
        );
    }

    #[test]
    fn leading_zeros_rank_after_the_same_value() {
        assert_eq!(order(&["a01", "a1", "a001"]), ["a1", "a01", "a001"]);
    }

    #[test]
    fn unicode_letters_and_digits_use_go_categories() {
        // `é` is a letter (after every non-letter), `٣` (Arabic-Indic three) a digit.
        assert_eq!(order(&["aé", "a_"]), ["a_", "aé"]);
        assert!(is_digit('٣') && !is_letter('٣'));
        assert!(is_letter('ж'));
    }
}
