//! One OpenAPI 3.0 schema as the JSON Schema (schemars) that typify reads,
//! made exactly as progenitor makes it before it hands the document's
//! schemas to typify: the schema is read through openapiv3's types (which
//! is where most of the differences hide: a schema without `type` is
//! openapiv3's "any" schema, an `enum` of a `number` schema is floats, a
//! `oneOf` beside other keywords is only the `oneOf`), then translated
//! field by field as progenitor 0.15's `to_schema` does.
//!
//! The model's types and progenitor's client types are then the same
//! types by construction; `crate::types::Types::verify_client` still
//! checks it on every run, which is what tells a progenitor upgrade that
//! changed its translation.

use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, IntegerType, NumberType, ObjectType, ReferenceOr,
    Schema, SchemaKind, StringType, Type, VariantOrUnknownOrEmpty,
};
use schemars::schema::{
    ArrayValidation, InstanceType, Metadata, NumberValidation, ObjectValidation, Schema as Json,
    SchemaObject, SingleOrVec, StringValidation, SubschemaValidation,
};
use serde_json::Value;

/// `node` (a schema or a `$ref`, as written in the document) as typify
/// reads it from progenitor; an error where openapiv3 cannot read it, or
/// progenitor could not translate it.
pub fn typify_schema(node: &Value) -> Result<Json, String> {
    let mut node = node.clone();
    // Types read leniently (see `without_closed_objects`), as progenitor
    // is shown them (`Document::for_generators`).
    super::json_schema::without_closed_objects(&mut node);
    let schema: ReferenceOr<Schema> = serde_json::from_value(node)
        .map_err(|e| format!("this schema cannot be read as an OpenAPI schema: {e}"))?;
    reference_or(&schema)
}

fn reference_or(schema: &ReferenceOr<Schema>) -> Result<Json, String> {
    match schema {
        ReferenceOr::Reference { reference } => Ok(SchemaObject::new_ref(reference.clone()).into()),
        ReferenceOr::Item(schema) => convert(schema),
    }
}

fn boxed(schema: &ReferenceOr<Box<Schema>>) -> Result<Json, String> {
    match schema {
        ReferenceOr::Reference { reference } => Ok(SchemaObject::new_ref(reference.clone()).into()),
        ReferenceOr::Item(schema) => convert(schema),
    }
}

fn all(schemas: &[ReferenceOr<Schema>]) -> Result<Vec<Json>, String> {
    schemas.iter().map(reference_or).collect()
}

/// `None` for an empty list, as progenitor writes it.
fn some_all(schemas: &[ReferenceOr<Schema>]) -> Result<Option<Vec<Json>>, String> {
    Ok(if schemas.is_empty() {
        None
    } else {
        Some(all(schemas)?)
    })
}

fn properties<'a>(
    properties: impl IntoIterator<Item = (&'a String, &'a ReferenceOr<Box<Schema>>)>,
) -> Result<schemars::Map<String, Json>, String> {
    properties
        .into_iter()
        .map(|(name, schema)| Ok((name.clone(), boxed(schema)?)))
        .collect()
}

fn additional(properties: &Option<AdditionalProperties>) -> Result<Option<Box<Json>>, String> {
    Ok(match properties {
        None => None,
        Some(AdditionalProperties::Any(open)) => Some(Box::new(Json::Bool(*open))),
        Some(AdditionalProperties::Schema(schema)) => Some(Box::new(reference_or(schema)?)),
    })
}

/// `Some` only where the value is not the type's default.
fn unless_default<T: Default + PartialEq>(value: T) -> Option<Box<T>> {
    (value != T::default()).then(|| Box::new(value))
}

/// `kind`, with `null` where the schema is nullable.
fn instance_type(kind: InstanceType, nullable: bool) -> Option<SingleOrVec<InstanceType>> {
    Some(if nullable {
        vec![kind, InstanceType::Null].into()
    } else {
        kind.into()
    })
}

fn format<T: Copy>(
    format: &VariantOrUnknownOrEmpty<T>,
    name: impl Fn(T) -> &'static str,
) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => Some(name(*item).to_string()),
        VariantOrUnknownOrEmpty::Unknown(text) => Some(text.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// An enumeration as JSON values (`None` is `null`); `None` when empty.
fn values<T>(values: &[Option<T>], json: impl Fn(&T) -> Value) -> Option<Vec<Value>> {
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(|v| v.as_ref().map_or(Value::Null, &json))
            .collect()
    })
}

fn float(value: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(value)
        .map(Value::Number)
        .ok_or_else(|| format!("{value} is not a JSON number"))
}

/// OpenAPI 3.0's boolean exclusive bound as JSON Schema's numeric pair
/// `(inclusive, exclusive)`.
fn bound<T: Copy>(value: Option<T>, exclusive: bool) -> (Option<T>, Option<T>) {
    if exclusive {
        (None, value)
    } else {
        (value, None)
    }
}

fn convert(schema: &Schema) -> Result<Json, String> {
    let data = &schema.schema_data;
    let nullable = data.nullable;
    let metadata = unless_default(Metadata {
        id: None,
        title: data.title.clone(),
        description: data.description.clone(),
        default: data.default.clone(),
        deprecated: data.deprecated,
        read_only: data.read_only,
        write_only: data.write_only,
        examples: data.example.iter().cloned().collect(),
    });
    let extensions: schemars::Map<String, Value> = data
        .extensions
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let subschemas = |metadata, extensions, subschemas: SubschemaValidation| SchemaObject {
        metadata,
        subschemas: Some(Box::new(subschemas)),
        extensions,
        ..Default::default()
    };
    let object = match &schema.schema_kind {
        SchemaKind::Type(Type::String(StringType {
            format: f,
            pattern,
            enumeration,
            min_length,
            max_length,
        })) => SchemaObject {
            metadata,
            instance_type: instance_type(InstanceType::String, nullable),
            format: format(f, |f| match f {
                openapiv3::StringFormat::Date => "date",
                openapiv3::StringFormat::DateTime => "date-time",
                openapiv3::StringFormat::Password => "password",
                openapiv3::StringFormat::Byte => "byte",
                openapiv3::StringFormat::Binary => "binary",
            }),
            enum_values: values(enumeration, |s: &String| Value::String(s.clone())),
            string: unless_default(StringValidation {
                max_length: max_length.map(|n| n as u32),
                min_length: min_length.map(|n| n as u32),
                pattern: pattern.clone(),
            }),
            extensions,
            ..Default::default()
        },
        SchemaKind::Type(Type::Number(NumberType {
            format: f,
            multiple_of,
            exclusive_minimum,
            exclusive_maximum,
            minimum,
            maximum,
            enumeration,
        })) => {
            let (maximum, exclusive_maximum) = bound(*maximum, *exclusive_maximum);
            let (minimum, exclusive_minimum) = bound(*minimum, *exclusive_minimum);
            let enum_values = match enumeration.is_empty() {
                true => None,
                false => Some(
                    enumeration
                        .iter()
                        .map(|v| v.map_or(Ok(Value::Null), float))
                        .collect::<Result<_, _>>()?,
                ),
            };
            SchemaObject {
                metadata,
                instance_type: instance_type(InstanceType::Number, nullable),
                format: format(f, |f| match f {
                    openapiv3::NumberFormat::Float => "float",
                    openapiv3::NumberFormat::Double => "double",
                }),
                enum_values,
                number: unless_default(NumberValidation {
                    multiple_of: *multiple_of,
                    maximum,
                    exclusive_maximum,
                    minimum,
                    exclusive_minimum,
                }),
                extensions,
                ..Default::default()
            }
        }
        SchemaKind::Type(Type::Integer(IntegerType {
            format: f,
            multiple_of,
            exclusive_minimum,
            exclusive_maximum,
            minimum,
            maximum,
            enumeration,
        })) => {
            let as_float = |v: Option<i64>| v.map(|v| v as f64);
            let (maximum, exclusive_maximum) = bound(as_float(*maximum), *exclusive_maximum);
            let (minimum, exclusive_minimum) = bound(as_float(*minimum), *exclusive_minimum);
            SchemaObject {
                metadata,
                instance_type: instance_type(InstanceType::Integer, nullable),
                format: format(f, |f| match f {
                    openapiv3::IntegerFormat::Int32 => "int32",
                    openapiv3::IntegerFormat::Int64 => "int64",
                }),
                enum_values: values(enumeration, |n: &i64| Value::Number((*n).into())),
                number: unless_default(NumberValidation {
                    multiple_of: as_float(*multiple_of),
                    maximum,
                    exclusive_maximum,
                    minimum,
                    exclusive_minimum,
                }),
                extensions,
                ..Default::default()
            }
        }
        SchemaKind::Type(Type::Object(ObjectType {
            properties: props,
            required,
            additional_properties,
            min_properties,
            max_properties,
        })) => SchemaObject {
            metadata,
            instance_type: instance_type(InstanceType::Object, nullable),
            object: unless_default(ObjectValidation {
                max_properties: max_properties.map(|n| n as u32),
                min_properties: min_properties.map(|n| n as u32),
                required: required.iter().cloned().collect(),
                properties: properties(props)?,
                pattern_properties: schemars::Map::default(),
                additional_properties: additional(additional_properties)?,
                property_names: None,
            }),
            extensions,
            ..Default::default()
        },
        SchemaKind::Type(Type::Array(ArrayType {
            items,
            min_items,
            max_items,
            unique_items,
        })) => SchemaObject {
            metadata,
            instance_type: instance_type(InstanceType::Array, nullable),
            array: unless_default(ArrayValidation {
                items: match items {
                    Some(items) => Some(SingleOrVec::Single(Box::new(boxed(items)?))),
                    None => None,
                },
                additional_items: None,
                max_items: max_items.map(|n| n as u32),
                min_items: min_items.map(|n| n as u32),
                unique_items: unique_items.then_some(true),
                contains: None,
            }),
            extensions,
            ..Default::default()
        },
        SchemaKind::Type(Type::Boolean(openapiv3::BooleanType { enumeration })) => SchemaObject {
            metadata,
            instance_type: instance_type(InstanceType::Boolean, nullable),
            enum_values: values(enumeration, |b: &bool| Value::Bool(*b)),
            extensions,
            ..Default::default()
        },
        // Subschemas: wrapped where nullable, as progenitor does.
        SchemaKind::OneOf { .. }
        | SchemaKind::AllOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::Not { .. } => {
            let mut validation = SubschemaValidation::default();
            match &schema.schema_kind {
                SchemaKind::OneOf { one_of } => validation.one_of = Some(all(one_of)?),
                SchemaKind::AllOf { all_of } => validation.all_of = Some(all(all_of)?),
                SchemaKind::AnyOf { any_of } => validation.any_of = Some(all(any_of)?),
                SchemaKind::Not { not } => validation.not = Some(Box::new(reference_or(not)?)),
                _ => {}
            }
            null_or(subschemas(metadata, extensions, validation), nullable)
        }
        SchemaKind::Any(any) => any_schema(any, metadata, extensions, nullable)?,
    };
    Ok(object.into())
}

/// Whether `any` has nothing but (possibly) properties, required names,
/// an enumeration and subschemas: the keywords progenitor looks at before
/// it reads the schema as "anything" or "null".
fn only_lists(any: &AnySchema) -> bool {
    any.typ.is_none()
        && any.pattern.is_none()
        && any.multiple_of.is_none()
        && any.exclusive_minimum.is_none()
        && any.exclusive_maximum.is_none()
        && any.minimum.is_none()
        && any.maximum.is_none()
        && any.additional_properties.is_none()
        && any.min_properties.is_none()
        && any.max_properties.is_none()
        && any.items.is_none()
        && any.min_items.is_none()
        && any.max_items.is_none()
        && any.unique_items.is_none()
        && any.format.is_none()
        && any.min_length.is_none()
        && any.max_length.is_none()
        && any.not.is_none()
        && any.properties.is_empty()
        && any.required.is_empty()
        && any.one_of.is_empty()
        && any.all_of.is_empty()
        && any.any_of.is_empty()
}

/// openapiv3's "any" schema (no `type`, or keywords of several types).
fn any_schema(
    any: &AnySchema,
    metadata: Option<Box<Metadata>>,
    extensions: schemars::Map<String, Value>,
    nullable: bool,
) -> Result<SchemaObject, String> {
    // Anything (`nullable` adds nothing), or only `null`.
    if only_lists(any) && any.enumeration.is_empty() {
        return Ok(SchemaObject {
            metadata,
            extensions,
            ..Default::default()
        });
    }
    if only_lists(any) && any.enumeration == [Value::Null] {
        return Ok(SchemaObject {
            metadata,
            instance_type: Some(InstanceType::Null.into()),
            extensions,
            ..Default::default()
        });
    }
    let mut so = SchemaObject {
        metadata,
        extensions,
        ..Default::default()
    };
    so.format = any.format.clone();
    if !any.enumeration.is_empty() {
        so.enum_values = Some(any.enumeration.clone());
    }
    if let Some(pattern) = &any.pattern {
        so.string().pattern = Some(pattern.clone());
    }
    if let Some(n) = any.min_length {
        so.string().min_length = Some(n as u32);
    }
    if let Some(n) = any.max_length {
        so.string().max_length = Some(n as u32);
    }
    if let Some(n) = any.multiple_of {
        so.number().multiple_of = Some(n);
    }
    match (any.minimum, any.exclusive_minimum) {
        (None, Some(true)) => return Err("`exclusiveMinimum: true` without `minimum`".into()),
        (None, _) => {}
        (Some(n), Some(true)) => so.number().exclusive_minimum = Some(n),
        (Some(n), _) => so.number().minimum = Some(n),
    }
    match (any.maximum, any.exclusive_maximum) {
        (None, Some(true)) => return Err("`exclusiveMaximum: true` without `maximum`".into()),
        (None, _) => {}
        (Some(n), Some(true)) => so.number().exclusive_maximum = Some(n),
        (Some(n), _) => so.number().maximum = Some(n),
    }
    if !any.properties.is_empty() {
        so.object().properties = properties(&any.properties)?;
    }
    if !any.required.is_empty() {
        so.object().required = any.required.iter().cloned().collect();
    }
    if any.additional_properties.is_some() {
        so.object().additional_properties = additional(&any.additional_properties)?;
    }
    if let Some(n) = any.min_properties {
        so.object().min_properties = Some(n as u32);
    }
    if let Some(n) = any.max_properties {
        so.object().max_properties = Some(n as u32);
    }
    if let Some(items) = &any.items {
        so.array().items = Some(SingleOrVec::Single(Box::new(boxed(items)?)));
    }
    if let Some(n) = any.min_items {
        so.array().min_items = Some(n as u32);
    }
    if let Some(n) = any.max_items {
        so.array().max_items = Some(n as u32);
    }
    if let Some(unique) = any.unique_items {
        so.array().unique_items = Some(unique);
    }
    if let Some(one_of) = some_all(&any.one_of)? {
        so.subschemas().one_of = Some(one_of);
    }
    if let Some(all_of) = some_all(&any.all_of)? {
        so.subschemas().all_of = Some(all_of);
    }
    if let Some(any_of) = some_all(&any.any_of)? {
        so.subschemas().any_of = Some(any_of);
    }
    if let Some(not) = &any.not {
        so.subschemas().not = Some(Box::new(reference_or(not)?));
    }
    let kind = match any.typ.as_deref() {
        Some("boolean") => Some(InstanceType::Boolean),
        Some("object") => Some(InstanceType::Object),
        Some("array") => Some(InstanceType::Array),
        Some("number") => Some(InstanceType::Number),
        Some("string") => Some(InstanceType::String),
        Some("integer") => Some(InstanceType::Integer),
        Some(other) => return Err(format!("`type: {other}` is not a JSON Schema type")),
        None => None,
    };
    match (kind, nullable) {
        (Some(kind), _) => so.instance_type = instance_type(kind, nullable),
        (None, false) => {}
        (None, true) => {
            // progenitor infers the types from the keywords present, and
            // (0.15) writes `array` for number and string keywords too:
            // copied, so that both read the same.
            let inferred: Vec<InstanceType> = [
                so.object.is_some().then_some(InstanceType::Object),
                so.array.is_some().then_some(InstanceType::Array),
                so.number.is_some().then_some(InstanceType::Array),
                so.string.is_some().then_some(InstanceType::Array),
                Some(InstanceType::Null),
            ]
            .into_iter()
            .flatten()
            .collect();
            so.instance_type = match inferred.len() {
                1 => Some(SingleOrVec::Single(Box::new(inferred[0]))),
                _ => Some(SingleOrVec::Vec(inferred)),
            };
        }
    }
    // Only `null`, with subschemas: nullable subschemas, wrapped.
    if matches!(&so.instance_type, Some(SingleOrVec::Single(t)) if **t == InstanceType::Null)
        && so.subschemas.is_some()
    {
        so.instance_type = None;
        return Ok(null_or(so, nullable));
    }
    Ok(so)
}

/// `oneOf: [{type: null}, schema]` where nullable, the metadata and
/// extensions moved to the wrapper.
fn null_or(mut schema: SchemaObject, nullable: bool) -> SchemaObject {
    if !nullable {
        return schema;
    }
    let metadata = schema.metadata.take();
    let extensions = std::mem::take(&mut schema.extensions);
    SchemaObject {
        metadata,
        extensions,
        subschemas: Some(Box::new(SubschemaValidation {
            one_of: Some(vec![
                SchemaObject {
                    instance_type: Some(InstanceType::Null.into()),
                    ..Default::default()
                }
                .into(),
                schema.into(),
            ]),
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::typify_schema;

    fn translated(schema: serde_json::Value) -> serde_json::Value {
        serde_json::to_value(typify_schema(&schema).unwrap()).unwrap()
    }

    #[test]
    fn a_nullable_schema_without_type_gets_its_type_from_its_keywords() {
        assert_eq!(
            translated(
                json!({"description": "d", "nullable": true, "properties": {"a": {"type": "string"}}})
            ),
            json!({"description": "d", "type": ["object", "null"], "properties": {"a": {"type": "string"}}})
        );
    }

    #[test]
    fn nullable_subschemas_are_wrapped_with_their_metadata() {
        assert_eq!(
            translated(
                json!({"description": "d", "nullable": true, "oneOf": [{"type": "string"}]})
            ),
            json!({"description": "d", "oneOf": [{"type": "null"}, {"oneOf": [{"type": "string"}]}]})
        );
    }

    #[test]
    fn closed_objects_are_read_open_and_exclusive_bounds_are_numeric() {
        assert_eq!(
            translated(
                json!({"type": "object", "additionalProperties": false, "properties": {
                "n": {"type": "integer", "minimum": 1, "exclusiveMinimum": true}}})
            ),
            json!({"type": "object", "properties": {"n": {"type": "integer", "exclusiveMinimum": 1.0}}})
        );
    }

    #[test]
    fn siblings_of_a_ref_are_ignored() {
        assert_eq!(
            translated(json!({"$ref": "#/components/schemas/A", "description": "ignored"})),
            json!({"$ref": "#/components/schemas/A"})
        );
    }
}
