//! A template's indexes (reference §2.4): which are taken, the next one to hand out, and
//! `status.indexes`.
//!
//! The index is taken by the Metal3Data's name `<template>-<index>`, so every existing name
//! counts, with or without a claim, being deleted or not. `status.indexes` shows the claims
//! holding an index.

use std::collections::BTreeSet;

use kube::ResourceExt;

use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplateIndex};

/// The Metal3Data name for `index` of `template`.
pub fn data_name(template: &str, index: i32) -> String {
    format!("{template}-{index}")
}

/// Whether `data` was made from the template named `template` (its namespace is the
/// template's: only Metal3Datas of the template's namespace are looked at).
pub fn of_template(data: &Metal3Data, template: &str) -> bool {
    data.spec.template.as_ref().and_then(|t| t.name.as_deref()) == Some(template)
}

/// The claim `data` was made for.
pub fn claim_of(data: &Metal3Data) -> Option<&str> {
    data.spec
        .claim
        .as_ref()
        .and_then(|c| c.name.as_deref())
        .filter(|name| !name.is_empty())
}

/// The Metal3Datas of one template, as one pass reads and changes them.
#[derive(Debug)]
pub struct Book {
    template: String,
    datas: Vec<Metal3Data>,
    /// Indexes whose name turned out to be taken by an object this pass did not list.
    also_taken: BTreeSet<i32>,
    /// Metal3Datas this pass asked to delete.
    released: BTreeSet<String>,
}

impl Book {
    /// The book of `template` from every Metal3Data of its namespace.
    pub fn new(template: &str, datas: Vec<Metal3Data>) -> Book {
        Book {
            template: template.to_owned(),
            datas: datas
                .into_iter()
                .filter(|d| of_template(d, template))
                .collect(),
            also_taken: BTreeSet::new(),
            released: BTreeSet::new(),
        }
    }

    /// The index a name `<template>-<index>` stands for.
    fn index_in_name(&self, name: &str) -> Option<i32> {
        let digits = name.strip_prefix(&self.template)?.strip_prefix('-')?;
        // The canonical spelling only: `t-05` is not the name of index 5.
        let index: i32 = digits.parse().ok()?;
        (index >= 0 && index.to_string() == digits).then_some(index)
    }

    fn taken(&self) -> BTreeSet<i32> {
        let mut taken = self.also_taken.clone();
        for data in &self.datas {
            taken.extend(data.spec.index);
            taken.extend(self.index_in_name(&data.name_any()));
        }
        taken
    }

    /// The lowest index not taken (DT-03: gaps are filled first, otherwise the count).
    pub fn next_free(&self) -> i32 {
        let taken = self.taken();
        (0..).find(|i| !taken.contains(i)).unwrap_or_default()
    }

    /// Records that `<template>-<index>` exists although this pass did not list it.
    pub fn mark_taken(&mut self, index: i32) {
        self.also_taken.insert(index);
    }

    /// Records a Metal3Data this pass created.
    pub fn add(&mut self, data: Metal3Data) {
        self.datas.push(data);
    }

    /// Records that this pass asked for `name`'s deletion.
    pub fn release(&mut self, name: &str) {
        self.released.insert(name.to_owned());
    }

    /// Every Metal3Data made for `claim`, by index.
    pub fn of_claim(&self, claim: &str) -> Vec<&Metal3Data> {
        let mut datas: Vec<&Metal3Data> = self
            .datas
            .iter()
            .filter(|d| claim_of(d) == Some(claim))
            .collect();
        datas.sort_by_key(|d| (d.spec.index, d.name_any()));
        datas
    }

    /// Whether `data` is neither being deleted nor released by this pass.
    pub fn is_live(&self, data: &Metal3Data) -> bool {
        data.metadata.deletion_timestamp.is_none() && !self.released.contains(&data.name_any())
    }

    /// Whether any Metal3Data of the template still exists (DT-08).
    pub fn has_datas(&self) -> bool {
        !self.datas.is_empty()
    }

    /// `status.indexes` (DT-05): `{name: <claim>, index}` of every live Metal3Data with a
    /// claim, sorted by index; `None` for none (the list may not be empty).
    pub fn status_indexes(&self) -> Option<Vec<Metal3DataTemplateIndex>> {
        let mut indexes: Vec<Metal3DataTemplateIndex> = self
            .datas
            .iter()
            .filter(|d| self.is_live(d))
            .filter_map(|d| {
                Some(Metal3DataTemplateIndex {
                    name: claim_of(d)?.to_owned(),
                    index: d.spec.index?,
                })
            })
            .collect();
        indexes.sort_by(|a, b| (a.index, &a.name).cmp(&(b.index, &b.name)));
        indexes.dedup_by_key(|entry| entry.index);
        Some(indexes).filter(|i| !i.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capm3::data_controllers::fixtures::data;

    fn book(datas: &[(i32, &str)]) -> Book {
        Book::new(
            "t",
            datas
                .iter()
                .map(|(i, claim)| data(&data_name("t", *i), "t", Some(*i), Some(claim)))
                .collect(),
        )
    }

    /// DT-03: the lowest gap, else the count.
    #[test]
    fn next_free_index() {
        for (taken, next) in [
            (vec![], 0),
            (vec![0, 1, 2], 3),
            (vec![0, 2], 1),
            (vec![1, 2], 0),
            (vec![0, 1, 3, 7], 2),
        ] {
            let datas: Vec<(i32, &str)> = taken.iter().map(|i| (*i, "c")).collect();
            assert_eq!(book(&datas).next_free(), next, "taken {taken:?}");
        }
    }

    /// A name counts even without an index or claim, and another template's does not.
    #[test]
    fn names_take_indexes() {
        let mut book = Book::new(
            "t",
            vec![
                data("t-0", "t", None, None),
                data("t-1", "other", Some(1), Some("c")),
                data("t-05", "t", None, None),
            ],
        );
        assert_eq!(book.next_free(), 1);
        book.mark_taken(1);
        assert_eq!(book.next_free(), 2);
        book.add(data("t-2", "t", Some(2), Some("c2")));
        assert_eq!(book.next_free(), 3);
    }

    /// DT-05: claims by index; deleting and released Metal3Datas are not shown.
    #[test]
    fn status_indexes_sorted_by_index() {
        let mut book = book(&[(2, "b"), (0, "a"), (1, "c")]);
        let entries = |book: &Book| {
            book.status_indexes()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.index, e.name))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            entries(&book),
            vec![(0, "a".into()), (1, "c".into()), (2, "b".into())]
        );
        book.release("t-1");
        assert_eq!(entries(&book), vec![(0, "a".into()), (2, "b".into())]);
        // A released index stays taken until its Metal3Data is gone.
        assert_eq!(book.next_free(), 3);
        assert!(book_of_none().status_indexes().is_none());
    }

    fn book_of_none() -> Book {
        Book::new("t", Vec::new())
    }

    #[test]
    fn datas_of_a_claim_by_index() {
        let book = book(&[(3, "a"), (1, "a"), (2, "b")]);
        let names: Vec<String> = book.of_claim("a").iter().map(|d| d.name_any()).collect();
        assert_eq!(names, ["t-1", "t-3"]);
    }
}
