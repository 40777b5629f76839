//! Objects answered from memory, without the executor's per-field futures.
//!
//! async-graphql resolves every field of every object as a boxed future polled in a
//! `FuturesUnordered`, and every list item as a future of its own: for a page of members most of
//! the server's time went there, although a member's role or an account's email is already in
//! memory. A [`PlainObject`] names the fields it answers synchronously; [`PlainList`] builds the
//! values of a whole list from them when the selection asks for nothing else, and hands the list
//! to the regular executor otherwise (a field that needs a loader, a directive, a fragment on
//! another type), so a selection the fast path does not know is still answered, only slower.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_list;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};

/// A GraphQL object some of whose fields are answered from memory.
pub trait PlainObject: OutputType {
    /// The GraphQL type name (`__typename`, fragment conditions).
    const TYPE_NAME: &'static str;

    /// The value of `field` (its selection set under `ctx` for an object-valued field), or
    /// `None` if it is not answered from memory. Only fields without a guard belong here: the
    /// executor, which runs guards, never sees a field answered this way.
    fn plain_field(&self, ctx: &ContextSelectionSet<'_>, field: &Field) -> Option<Value>;
}

/// The value of `object` for `selection`, or `None` if some selected field is not plain.
pub fn plain_object<T: PlainObject + ?Sized>(
    object: &T,
    ctx: &ContextSelectionSet<'_>,
    selection: &SelectionSet,
) -> Option<Value> {
    let mut fields = IndexMap::with_capacity(selection.items.len());
    collect(object, ctx, selection, &mut fields)?;
    Some(Value::Object(fields))
}

fn collect<T: PlainObject + ?Sized>(
    object: &T,
    ctx: &ContextSelectionSet<'_>,
    selection: &SelectionSet,
    out: &mut IndexMap<Name, Value>,
) -> Option<()> {
    for item in &selection.items {
        // Skipped selections are gone before execution; any other directive is the executor's.
        if !item.node.directives().is_empty() {
            return None;
        }
        match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                // The same key twice merges sub-selections: the executor's job.
                if out.contains_key(&key) {
                    return None;
                }
                let value = if field.node.name.node == "__typename" {
                    Value::String(T::TYPE_NAME.to_owned())
                } else {
                    object.plain_field(ctx, &field.node)?
                };
                out.insert(key, value);
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment.node.type_condition.as_ref();
                if on.is_some_and(|c| c.node.on.node != T::TYPE_NAME) {
                    return None;
                }
                collect(object, ctx, &fragment.node.selection_set.node, out)?;
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                if fragment.node.type_condition.node.on.node != T::TYPE_NAME {
                    return None;
                }
                collect(object, ctx, &fragment.node.selection_set.node, out)?;
            }
        }
    }
    Some(())
}

/// A list field's value (`[T!]!` in the schema, as `Vec<T>`), resolved from memory when every
/// selected field of `T` is plain.
pub struct PlainList<'a, T: Clone>(pub Cow<'a, [T]>);

impl<'a, T: Clone> From<&'a [T]> for PlainList<'a, T> {
    fn from(items: &'a [T]) -> Self {
        PlainList(Cow::Borrowed(items))
    }
}

impl<T: Clone> From<Vec<T>> for PlainList<'_, T> {
    fn from(items: Vec<T>) -> Self {
        PlainList(Cow::Owned(items))
    }
}

impl<T: PlainObject + Clone + Send + Sync> OutputType for PlainList<'_, T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let selection = &ctx.item.node;
        let plain: Option<Vec<Value>> = self
            .0
            .iter()
            .map(|item| plain_object(item, ctx, selection))
            .collect();
        match plain {
            Some(values) => Ok(Value::List(values)),
            None => resolve_list(ctx, field, self.0.iter(), Some(self.0.len())).await,
        }
    }
}
