//! `text/event-stream` responses (server-sent events): the backend returns
//! an [`EventStream`] of [`Event`]s; the runtime writes each as it comes.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_core::Stream;

/// The events a backend sends, boxed.
pub(crate) type Events = Pin<Box<dyn Stream<Item = Event> + Send>>;

/// One server-sent event: `data` (one `data:` line per line of it), and
/// optionally its `event` type, `id` and the `retry` delay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `event:`, the event's type (`message` when absent).
    pub event: Option<String>,
    /// `data:`, the payload.
    pub data: String,
    /// `id:`, for `Last-Event-ID` on reconnection.
    pub id: Option<String>,
    /// `retry:`, milliseconds before reconnecting.
    pub retry: Option<u64>,
}

impl Event {
    /// An event carrying `data`.
    pub fn data(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            ..Self::default()
        }
    }

    /// `data` as the JSON text of `value`.
    pub fn json(value: &impl serde::Serialize) -> serde_json::Result<Self> {
        Ok(Self::data(serde_json::to_string(value)?))
    }

    /// Of type `event`.
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// With `id`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// With a reconnection delay.
    pub fn retry(mut self, milliseconds: u64) -> Self {
        self.retry = Some(milliseconds);
        self
    }

    /// The event as the stream carries it (`event:`, `id:`, `retry:`,
    /// `data:` lines, then an empty line). Line breaks in `event` and `id`,
    /// which would end the field, are dropped.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        let one_line = |text: &str| text.replace(['\r', '\n'], "");
        if let Some(event) = &self.event {
            out.push_str(&format!("event: {}\n", one_line(event)));
        }
        if let Some(id) = &self.id {
            out.push_str(&format!("id: {}\n", one_line(id)));
        }
        if let Some(retry) = self.retry {
            out.push_str(&format!("retry: {retry}\n"));
        }
        let data = self.data.replace("\r\n", "\n").replace('\r', "\n");
        for line in data.split('\n') {
            out.push_str(&format!("data: {line}\n"));
        }
        out.push('\n');
        out.into_bytes()
    }
}

/// A `text/event-stream` body: the events a backend sends, as they come.
/// Built from any `Stream` of [`Event`]s (a `tokio` channel's receiver
/// wrapped in a stream, `futures::stream::iter`, …). It is sent once: a
/// clone shares the same events, and a response sent a second time has
/// none left.
#[derive(Clone)]
pub struct EventStream(Arc<Mutex<Option<Events>>>);

impl EventStream {
    /// The events of `stream`.
    pub fn new(stream: impl Stream<Item = Event> + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(Some(Box::pin(stream)))))
    }

    /// The events of a list, sent at once.
    pub fn iter(events: impl IntoIterator<Item = Event>) -> Self {
        Self::new(Listed(events.into_iter().collect::<Vec<_>>().into_iter()))
    }

    /// A stream whose events the returned sender sends, as the backend
    /// goes (from a task it spawns): the stream ends when every sender is
    /// dropped; a send fails once the client has gone. `buffer` events may
    /// wait to be written.
    pub fn channel(buffer: usize) -> (tokio::sync::mpsc::Sender<Event>, Self) {
        let (sender, receiver) = tokio::sync::mpsc::channel(buffer.max(1));
        (sender, Self::new(Received(receiver)))
    }

    /// These events (`None`: taken already).
    pub(crate) fn take(&self) -> Option<Events> {
        self.0.lock().ok()?.take()
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventStream(..)")
    }
}

/// Two streams are equal when they are the same stream (clones).
impl PartialEq for EventStream {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The events of a list.
struct Listed(std::vec::IntoIter<Event>);

impl Stream for Listed {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Event>> {
        Poll::Ready(self.0.next())
    }
}

/// The events a channel receives.
struct Received(tokio::sync::mpsc::Receiver<Event>);

impl Stream for Received {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.0.poll_recv(cx)
    }
}

/// The events as the body's frames.
pub(crate) struct Frames(pub(crate) Events);

impl Stream for Frames {
    type Item = Result<Vec<u8>, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0
            .as_mut()
            .poll_next(cx)
            .map(|event| event.map(|e| Ok(e.to_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next(stream: &mut Events) -> Option<Event> {
        std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
    }

    #[tokio::test]
    async fn a_channels_events_come_as_they_are_sent_until_it_is_dropped() {
        let (sender, events) = EventStream::channel(4);
        let mut stream = events.take().unwrap();
        assert!(events.take().is_none(), "taken once");
        sender.send(Event::data("1")).await.unwrap();
        assert_eq!(next(&mut stream).await, Some(Event::data("1")));
        drop(sender);
        assert_eq!(next(&mut stream).await, None);
        let mut listed = EventStream::iter([Event::data("a")]).take().unwrap();
        assert_eq!(next(&mut listed).await, Some(Event::data("a")));
        assert_eq!(next(&mut listed).await, None);
    }

    #[test]
    fn events_are_written_as_the_stream_format_says() {
        assert_eq!(
            String::from_utf8(Event::data("hello").to_bytes()).unwrap(),
            "data: hello\n\n"
        );
        let full = Event::data("line 1\nline 2")
            .event("update")
            .id("7\n")
            .retry(3000);
        assert_eq!(
            String::from_utf8(full.to_bytes()).unwrap(),
            "event: update\nid: 7\nretry: 3000\ndata: line 1\ndata: line 2\n\n",
            "every line of data is a field; a line break cannot end `id` early"
        );
    }
}
