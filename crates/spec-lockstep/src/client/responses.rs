//! Responses progenitor reads as JSON that the document sends otherwise:
//! text, and `text/event-stream` as a stream of events.

use super::*;

/// progenitor reads every response that is not JSON as a byte stream; an
/// operation whose success responses are all text (`text/plain`, …)
/// returns its body as a `String` instead: its builder's `send` is
/// rewritten to decode the text, through one helper the client gets.
pub(super) fn text_responses(client: &mut syn::File, model: &Model) -> Result<()> {
    use crate::model::BodyKind;
    let texts = all_successes(model, BodyKind::Text);
    if texts.is_empty() {
        return Ok(());
    }
    rewrite_streams(
        client,
        &texts,
        "ResponseValue < :: std :: string :: String >",
        "super :: text_response (response) . await",
    )?;
    client.items.push(syn::parse_quote! {
        /// A text response's body, decoded as UTF-8 (lossily, as
        /// `reqwest::Response::text` does).
        async fn text_response<E>(
            response: reqwest::Response,
        ) -> Result<ResponseValue<::std::string::String>, Error<E>> {
            let status = response.status();
            let headers = response.headers().clone();
            let text = response.text().await.map_err(Error::ResponseBodyError)?;
            Ok(ResponseValue::new(text, status, headers))
        }
    });
    Ok(())
}

/// The operations whose success responses are all of `kind`.
pub(super) fn all_successes(
    model: &Model,
    kind: crate::model::BodyKind,
) -> Vec<&crate::model::Operation> {
    model
        .operations
        .iter()
        .filter(|operation| {
            let mut kinds = operation
                .successes()
                .map(|r| r.body().map(|b| b.kind))
                .peekable();
            kinds.peek().is_some() && kinds.all(|k| k == Some(kind))
        })
        .collect()
}

/// Rewrites the `send` of each of `operations`, whose success responses
/// progenitor returns as byte streams: to return `ResponseValue<ty>`, each
/// success answered by `value` (an expression of `response`).
pub(super) fn rewrite_streams(
    client: &mut syn::File,
    operations: &[&crate::model::Operation],
    ty: &str,
    value: &str,
) -> Result<()> {
    let items = builder_module(client)
        .ok_or_else(|| anyhow!("progenitor's output has no `builder` module"))?;
    const STREAM_TYPE: &str = "ResponseValue < ByteStream >";
    const STREAM_VALUE: &str = "Ok (ResponseValue :: stream (response))";
    let index = builder_index(items);
    for operation in operations {
        let name = progenitor::builder(&operation.id);
        let send = builder_send(items, &index, &name)
            .ok_or_else(|| anyhow!("operation `{}`: no `builder::{name}::send`", operation.id))?;
        let text = quote! { #send }.to_string();
        if !text.contains(STREAM_TYPE) || !text.contains(STREAM_VALUE) {
            return Err(anyhow!(
                "operation `{}`: progenitor's `send` does not return the response as a \
                 byte stream as expected (was progenitor upgraded?)",
                operation.id
            ));
        }
        let text = text
            .replacen(STREAM_TYPE, ty, 1)
            .replace(STREAM_VALUE, value);
        *send = syn::parse_str(&text).context("the rewritten `send` does not parse")?;
    }
    Ok(())
}

/// An operation whose success responses are all `text/event-stream`
/// returns a `Stream` of its events (`EventStream`, parsed as the
/// response's bytes come), not a byte stream.
pub(super) fn event_responses(client: &mut syn::File, model: &Model) -> Result<()> {
    let operations = all_successes(model, crate::model::BodyKind::EventStream);
    if operations.is_empty() {
        return Ok(());
    }
    rewrite_streams(
        client,
        &operations,
        "ResponseValue < super :: EventStream >",
        "Ok (super :: EventStream :: from_response (response))",
    )?;
    let file: syn::File = syn::parse_quote! {
        /// One server-sent event, as a `text/event-stream` response carried it.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct Event {
            /// `event:`, the event's type (`None`: `message`).
            pub event: ::std::option::Option<::std::string::String>,
            /// `data:`, its lines joined by line breaks.
            pub data: ::std::string::String,
            /// `id:`, the last one seen in the stream.
            pub id: ::std::option::Option<::std::string::String>,
            /// `retry:`, the reconnection delay in milliseconds.
            pub retry: ::std::option::Option<u64>,
        }

        /// A `text/event-stream` response: a `Stream` of its [`Event`]s, each
        /// as soon as its bytes have come (an error of the connection ends it).
        pub struct EventStream {
            bytes: ByteStream,
            buffer: ::std::vec::Vec<u8>,
            last_id: ::std::option::Option<::std::string::String>,
            done: bool,
        }

        impl ::std::fmt::Debug for EventStream {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("EventStream(..)")
            }
        }

        impl EventStream {
            fn from_response(response: reqwest::Response) -> ResponseValue<Self> {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = ResponseValue::stream(response).into_inner();
                ResponseValue::new(
                    Self {
                        bytes,
                        buffer: ::std::vec::Vec::new(),
                        last_id: ::std::option::Option::None,
                        done: false,
                    },
                    status,
                    headers,
                )
            }

            /// The next whole event in the buffer, if any; comments and
            /// blocks without data are skipped.
            fn buffered(&mut self) -> ::std::option::Option<Event> {
                loop {
                    let end = self.buffer.windows(2).position(|w| w == b"\n\n")?;
                    let block: ::std::vec::Vec<u8> = self.buffer.drain(..end + 2).collect();
                    let block = ::std::string::String::from_utf8_lossy(&block).into_owned();
                    let mut event = Event::default();
                    let mut data: ::std::vec::Vec<&str> = ::std::vec::Vec::new();
                    for line in block.lines() {
                        if line.is_empty() || line.starts_with(':') {
                            continue;
                        }
                        let (field, value) = line.split_once(':').unwrap_or((line, ""));
                        let value = value.strip_prefix(' ').unwrap_or(value);
                        match field {
                            "data" => data.push(value),
                            "event" => event.event = Some(value.to_string()),
                            "id" if !value.contains('\0') => {
                                self.last_id = Some(value.to_string())
                            }
                            "retry" => event.retry = value.parse().ok().or(event.retry),
                            _ => {}
                        }
                    }
                    if data.is_empty() {
                        continue;
                    }
                    event.data = data.join("\n");
                    event.id = self.last_id.clone();
                    return Some(event);
                }
            }
        }

        impl futures_core::Stream for EventStream {
            type Item = ::std::result::Result<Event, reqwest::Error>;

            fn poll_next(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
                use ::std::task::Poll;
                let this = self.get_mut();
                loop {
                    if let Some(event) = this.buffered() {
                        return Poll::Ready(Some(Ok(event)));
                    }
                    if this.done {
                        return Poll::Ready(None);
                    }
                    match this.bytes.as_mut().poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(None) => this.done = true,
                        Poll::Ready(Some(Err(error))) => {
                            this.done = true;
                            return Poll::Ready(Some(Err(error)));
                        }
                        Poll::Ready(Some(Ok(chunk))) => {
                            this.buffer.extend_from_slice(&chunk);
                            // CRLF and CR line ends, as LF (a CR at the end
                            // waits for the next chunk).
                            let keep_cr = this.buffer.last() == Some(&b'\r');
                            if keep_cr {
                                this.buffer.pop();
                            }
                            let text = ::std::mem::take(&mut this.buffer);
                            let mut out = ::std::vec::Vec::with_capacity(text.len());
                            let mut i = 0;
                            while i < text.len() {
                                if text[i] == b'\r' {
                                    out.push(b'\n');
                                    if text.get(i + 1) == Some(&b'\n') {
                                        i += 1;
                                    }
                                } else {
                                    out.push(text[i]);
                                }
                                i += 1;
                            }
                            if keep_cr {
                                out.push(b'\r');
                            }
                            this.buffer = out;
                        }
                    }
                }
            }
        }
    };
    client.items.extend(file.items);
    Ok(())
}
