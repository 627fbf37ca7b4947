//! Hold music the appliance serves itself, so a queued caller needs nothing from the Internet:
//! a short, gentle arpeggio rendered once as 8 kHz 16-bit mono WAV, and the `waitUrl` TwiML
//! that loops it.

use super::twiml::{self, Element};

/// The path of the audio, and of the TwiML `<Enqueue waitUrl>` points at.
pub const MUSIC_PATH: &str = "/webhooks/voice/hold-music.wav";
pub const WAIT_PATH: &str = "/webhooks/voice/hold";

const RATE: u32 = 8000;

/// The `waitUrl` document: the music, looped.
pub fn wait_twiml(music_url: &str) -> String {
    twiml::document(vec![Element::new("Play").attr("loop", "0").text(music_url)])
}

/// The path a waiting caller's key press goes to when the wait offers a callback
/// (`waitUrl=/webhooks/voice/hold?Offer=callback` or `?Offer=callback,voicemail`), and where a
/// voicemail's recording is reported.
pub const CHOICE_PATH: &str = "/webhooks/voice/callback";
pub const VOICEMAIL_PATH: &str = "/webhooks/voice/voicemail";

/// The `waitUrl` document offering a callback (and a voicemail): the offer and one turn of the
/// music inside a one-key `<Gather>`, then back to the same wait, so the offer repeats.
pub fn offer_twiml(music_url: &str, choice_url: &str, wait_url: &str, voicemail: bool) -> String {
    let offer = if voicemail {
        "To keep your place in line and be called back, press 1. To leave a message instead, press 2."
    } else {
        "To keep your place in line and be called back, press 1."
    };
    twiml::document(vec![
        Element::new("Gather")
            .attr("numDigits", "1")
            .attr("timeout", "3")
            .attr("action", choice_url)
            .attr("method", "POST")
            .child(Element::new("Say").text(offer))
            .child(Element::new("Play").text(music_url)),
        Element::new("Redirect")
            .attr("method", "POST")
            .text(wait_url),
    ])
}

/// The WAV bytes (about 160 KB), rendered once: kept as voice's state in the `Core`
/// (`core.state::<Music>()`), so the first caller who waits renders them.
pub struct Music(Vec<u8>);

impl Default for Music {
    fn default() -> Music {
        Music(render())
    }
}

impl Music {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn render() -> Vec<u8> {
    // C major, A minor, F major, G major: four bars of quarter-note arpeggios.
    const CHORDS: [[f32; 4]; 4] = [
        [261.63, 329.63, 392.00, 523.25],
        [220.00, 261.63, 329.63, 440.00],
        [174.61, 220.00, 261.63, 349.23],
        [196.00, 246.94, 293.66, 392.00],
    ];
    let note = (RATE as f32 * 0.6) as usize;
    let mut samples: Vec<i16> = Vec::with_capacity(note * 16);
    for chord in CHORDS {
        for &f in &chord {
            for i in 0..note {
                let t = i as f32 / RATE as f32;
                let envelope = (1.0 - i as f32 / note as f32).powf(1.5);
                let v = (2.0 * std::f32::consts::PI * f * t).sin() * envelope * 0.25;
                samples.push((v * i16::MAX as f32) as i16);
            }
        }
    }
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn music_is_a_wav_file() {
        let wav = super::Music::default();
        let wav = wav.bytes();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        assert!(wav.len() > 100_000);
        assert!(
            super::wait_twiml("http://h/m.wav").contains("<Play loop=\"0\">http://h/m.wav</Play>")
        );
    }
}
