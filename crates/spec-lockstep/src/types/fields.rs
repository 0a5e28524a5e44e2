//! Struct fields typify names alike: two properties whose names differ
//! only in case or punctuation (`caller-name` and `caller_name`, `_id` and
//! `id`, `mandateUUid` and `mandateUuid`) both become the field
//! `caller_name`, and the types crate does not compile (E0124). About 1% of
//! the public OpenAPI directory has such an object; the document belongs to
//! someone else, so the fields are told apart here, after typify.
//!
//! The property whose wire name is the field's name keeps it; the others
//! get `_2`, `_3`, … in the order typify wrote them, and keep their wire
//! name in `#[serde(rename)]`. Typify writes each field again in the
//! struct's builder (its fields, `Default`, one setter each, and the two
//! conversions), in the same order: each of those is renamed by its
//! occurrence among the ones of that name.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprStruct, Fields, Ident, ImplItem, Item, ItemImpl, ItemStruct, Member};
use typify::{TypeDetails, TypeSpace};

/// The structs of `space` with two fields of one name.
pub fn clashing(space: &TypeSpace) -> BTreeSet<String> {
    space
        .iter_types()
        .filter_map(|ty| match ty.details() {
            TypeDetails::Struct(details) => {
                let mut seen = BTreeSet::new();
                details
                    .properties()
                    .any(|(name, _)| !seen.insert(name.to_string()))
                    .then(|| ty.name())
            }
            _ => None,
        })
        .collect()
}

/// A field told apart: in struct `ty`, an occurrence of `old` is `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renamed {
    pub ty: String,
    pub old: String,
    pub new: String,
}

/// `tokens` (the types crate) with the fields of each struct in `structs`
/// told apart, and what was renamed.
pub fn distinct(
    tokens: TokenStream,
    structs: &BTreeSet<String>,
) -> syn::Result<(TokenStream, Vec<Renamed>)> {
    let mut file: syn::File = syn::parse2(tokens)?;
    // Pass 1: the new names, from the types' own structs (with serde's
    // `rename`, so the one whose wire name is its field name is known).
    let mut plans: BTreeMap<String, Plan> = BTreeMap::new();
    let mut renamed = Vec::new();
    for item in &file.items {
        if let Item::Struct(item) = item {
            let name = item.ident.to_string();
            if structs.contains(&name) {
                let plan = Plan::of(item);
                for (old, news) in &plan.names {
                    for new in news.iter().flatten() {
                        renamed.push(Renamed {
                            ty: name.clone(),
                            old: old.clone(),
                            new: new.clone(),
                        });
                    }
                }
                plans.insert(name, plan);
            }
        }
    }
    // Pass 2: every struct, builder and impl of those names.
    Renamer { plans: &plans }.visit_file_mut(&mut file);
    Ok((quote::quote! { #file }, renamed))
}

/// Per field name written more than once: the new name of each
/// occurrence (`None`: it keeps its name).
struct Plan {
    names: BTreeMap<String, Vec<Option<String>>>,
}

impl Plan {
    fn of(item: &ItemStruct) -> Self {
        let Fields::Named(fields) = &item.fields else {
            return Plan {
                names: BTreeMap::new(),
            };
        };
        let idents: Vec<String> = fields
            .named
            .iter()
            .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
            .collect();
        let mut taken: BTreeSet<String> = idents.iter().cloned().collect();
        let mut names = BTreeMap::new();
        for ident in &idents {
            if names.contains_key(ident) || idents.iter().filter(|i| *i == ident).count() < 2 {
                continue;
            }
            let occurrences: Vec<&syn::Field> = fields
                .named
                .iter()
                .filter(|f| f.ident.as_ref().is_some_and(|i| i == ident))
                .collect();
            // The one serde does not rename keeps the name; else the first.
            let keeper = occurrences.iter().position(|f| !renames(f)).unwrap_or(0);
            let mut news = Vec::new();
            let mut n = 2;
            for (i, _) in occurrences.iter().enumerate() {
                if i == keeper {
                    news.push(None);
                    continue;
                }
                let new = loop {
                    let candidate = format!("{ident}_{n}");
                    n += 1;
                    if taken.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                news.push(Some(new));
            }
            names.insert(ident.clone(), news);
        }
        Plan { names }
    }

    /// The new name of the `k`-th occurrence of `ident`, if it changes.
    fn new_name(&self, ident: &str, k: usize) -> Option<&str> {
        self.names.get(ident)?.get(k)?.as_deref()
    }
}

/// Whether the field has `#[serde(rename = …)]`.
fn renames(field: &syn::Field) -> bool {
    field.attrs.iter().any(|attr| {
        attr.path().is_ident("serde") && {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    found = true;
                }
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            found
        }
    })
}

/// The last identifier of a type path (`super::builder::Foo` → `Foo`).
fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

struct Renamer<'a> {
    plans: &'a BTreeMap<String, Plan>,
}

impl VisitMut for Renamer<'_> {
    fn visit_item_struct_mut(&mut self, item: &mut ItemStruct) {
        let Some(plan) = self.plans.get(&item.ident.to_string()) else {
            return;
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        if let Fields::Named(fields) = &mut item.fields {
            for field in fields.named.iter_mut() {
                if let Some(ident) = &mut field.ident {
                    let old = ident.to_string();
                    let k = next(&mut seen, &old);
                    if let Some(new) = plan.new_name(&old, k) {
                        *ident = Ident::new(new, ident.span());
                    }
                }
            }
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut ItemImpl) {
        let Some(plan) = last_ident(&item.self_ty).and_then(|n| self.plans.get(&n)) else {
            syn::visit_mut::visit_item_impl_mut(self, item);
            return;
        };
        // Setters: one method per field, named after it, in field order.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for impl_item in item.items.iter_mut() {
            if let ImplItem::Fn(method) = impl_item {
                let old = method.sig.ident.to_string();
                let k = next(&mut seen, &old);
                if let Some(new) = plan.new_name(&old, k) {
                    method.sig.ident = Ident::new(new, method.sig.ident.span());
                    Members { old: &old, new }.visit_block_mut(&mut method.block);
                }
            }
        }
        // `Self { field: …, … }` in `Default` and the conversions.
        Structs { plan }.visit_item_impl_mut(item);
    }
}

/// Renames the field inits of struct expressions, and the member accesses
/// inside each renamed one.
struct Structs<'a> {
    plan: &'a Plan,
}

impl VisitMut for Structs<'_> {
    fn visit_expr_struct_mut(&mut self, node: &mut ExprStruct) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for field in node.fields.iter_mut() {
            let Member::Named(ident) = &mut field.member else {
                continue;
            };
            let old = ident.to_string();
            let k = next(&mut seen, &old);
            if let Some(new) = self.plan.new_name(&old, k) {
                *ident = Ident::new(new, Span::call_site());
                field.colon_token.get_or_insert_with(Default::default);
                Members { old: &old, new }.visit_expr_mut(&mut field.expr);
            }
        }
    }
}

/// Renames `.old` member accesses to `.new`.
struct Members<'a> {
    old: &'a str,
    new: &'a str,
}

impl VisitMut for Members<'_> {
    fn visit_expr_field_mut(&mut self, node: &mut syn::ExprField) {
        syn::visit_mut::visit_expr_field_mut(self, node);
        if let Member::Named(ident) = &mut node.member {
            if ident == self.old {
                *ident = Ident::new(self.new, ident.span());
            }
        }
    }
}

/// The occurrence number of `name` (0 for its first), counting it.
fn next(seen: &mut BTreeMap<String, usize>, name: &str) -> usize {
    let k = seen.entry(name.to_string()).or_insert(0);
    *k += 1;
    *k - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_typify_names_alike_are_told_apart_in_the_struct_and_its_builder() {
        let tokens: TokenStream = quote::quote! {
            pub struct Caller {
                #[serde(rename = "caller-name")]
                pub caller_name: Option<String>,
                pub caller_name: Option<String>,
                pub other: i32,
            }
            pub mod builder {
                pub struct Caller {
                    caller_name: Result<Option<String>, String>,
                    caller_name: Result<Option<String>, String>,
                    other: Result<i32, String>,
                }
                impl Default for Caller {
                    fn default() -> Self {
                        Self { caller_name: Ok(Default::default()), caller_name: Ok(Default::default()), other: Ok(0) }
                    }
                }
                impl Caller {
                    pub fn caller_name<T>(mut self, value: T) -> Self { self.caller_name = Ok(value); self }
                    pub fn caller_name<T>(mut self, value: T) -> Self { self.caller_name = Ok(value); self }
                }
                impl TryFrom<Caller> for super::Caller {
                    fn try_from(value: Caller) -> Result<Self, String> {
                        Ok(Self { caller_name: value.caller_name?, caller_name: value.caller_name?, other: value.other? })
                    }
                }
            }
        };
        let structs = BTreeSet::from(["Caller".to_string()]);
        let (out, renamed) = distinct(tokens, &structs).unwrap();
        assert_eq!(
            renamed,
            [Renamed {
                ty: "Caller".into(),
                old: "caller_name".into(),
                new: "caller_name_2".into()
            }]
        );
        let text = prettyplease::unparse(&syn::parse2(out).unwrap());
        let compact: String = text.split_whitespace().collect();
        // The renamed property (`caller-name`) gets the new name everywhere.
        for expected in [
            "#[serde(rename=\"caller-name\")]pubcaller_name_2:Option<String>,pubcaller_name:Option<String>",
            "caller_name_2:Result<Option<String>,String>,caller_name:Result",
            "caller_name_2:Ok(Default::default()),caller_name:Ok(Default::default())",
            "pubfncaller_name_2<T>(mutself,value:T)->Self{self.caller_name_2=Ok(value);",
            "pubfncaller_name<T>(mutself,value:T)->Self{self.caller_name=Ok(value);",
            "caller_name_2:value.caller_name_2?,caller_name:value.caller_name?",
        ] {
            assert!(compact.contains(expected), "{expected} not in\n{text}");
        }
    }
}
