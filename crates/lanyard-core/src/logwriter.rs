//! A `tracing` writer that passes every line through [`crate::logging::redact`] before it
//! reaches stderr or the log file — the CLI's and the app's alike.

use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;

/// Wraps a writer maker; each event is redacted as one whole buffer.
pub struct Redacting<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

/// The writer [`Redacting`] makes.
pub struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(crate::logging::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_events_never_reach_the_sink() {
        let sink = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let out = sink.clone();
        let make = move || SharedBuf(out.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(Redacting(make))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                "fetched ASIAABCDEFGHIJKLMNOP with SigninToken=abcdef123456 for acme-dev"
            );
        });
        let text = String::from_utf8(sink.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("ASIA…[redacted]")
                && text.contains("SigninToken=[redacted]")
                && text.contains("acme-dev"),
            "{text}"
        );
        assert!(
            !text.contains("ABCDEFGHIJKLMNOP") && !text.contains("abcdef123456"),
            "{text}"
        );
    }

    struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
