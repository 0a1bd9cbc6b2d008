#!/bin/sh
# Rebuilds the decode test corpus. Dev-time only: needs Debian's ffmpeg and sox
# (apt-get install -y ffmpeg sox); CI only reads the committed files.
set -eu
cd "$(dirname "$0")"
SPEECH=../../data/demo/speech_female_librispeech_198-209-0000.flac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ff() { ffmpeg -hide_banner -v error -y -bitexact "$@"; }

# 1.5 s of speech (demo clip samples 32000..55999), 16 kHz mono: the lossless reference.
ff -i "$SPEECH" -af "atrim=start_sample=32000:end_sample=56000" -c:a pcm_s16le speech_16k_s16.wav
# Same samples in the other lossless containers/encodings.
ff -i speech_16k_s16.wav -af "aformat=channel_layouts=FL" -c:a pcm_s16le speech_16k_s16_extensible.wav
ff -i speech_16k_s16.wav -c:a pcm_s24le speech_16k_s24_extensible.wav
sox speech_16k_s16.wav -e floating-point -b 32 speech_16k_f32.wav
ff -i speech_16k_s16.wav -c:a flac speech_16k_s16.flac
ff -i speech_16k_s16.wav -c:a flac -sample_fmt s32 speech_16k_s24.flac
# Lossy formats at common consumer rates and stereo: exercise decode + downmix + resample.
ff -i speech_16k_s16.wav -ar 44100 -af "pan=stereo|c0=c0|c1=c0" "$T/speech_44k_stereo.wav"
ff -i "$T/speech_44k_stereo.wav" -c:a libmp3lame -b:a 128k speech_44k_stereo.mp3
ff -i "$T/speech_44k_stereo.wav" -c:a libvorbis -q:a 5 speech_44k_stereo.ogg
ff -i "$T/speech_44k_stereo.wav" -ar 48000 -c:a libopus -b:a 96k speech_48k_stereo.opus
ff -i "$T/speech_44k_stereo.wav" -c:a aac -b:a 128k speech_44k_stereo.m4a
ff -i "$T/speech_44k_stereo.wav" -c:a aac -b:a 128k -f adts speech_44k_stereo.aac
ff -i "$T/speech_44k_stereo.wav" -ar 48000 -c:a libopus -b:a 96k speech_48k_stereo.webm
# Pure tones at rates other than 16 kHz: the resampler must keep frequency and length.
ff -f lavfi -i "sine=frequency=1000:sample_rate=8000:duration=1" -af "volume=0.5" -c:a pcm_s16le sine_1000hz_8k.wav
ff -f lavfi -i "sine=frequency=3000:sample_rate=48000:duration=1" -af "volume=0.5" -c:a pcm_s16le sine_3000hz_48k.wav
# 5.1 at 16 kHz, one tone per channel: the downmix must be the plain mean.
ff -f lavfi -i "aevalsrc=0.5*sin(2*PI*300*t)|0.4*sin(2*PI*500*t)|0.3*sin(2*PI*700*t)|0.2*sin(2*PI*1100*t)|0.1*sin(2*PI*1300*t)|0.25*sin(2*PI*1700*t):s=16000:d=0.5:c=5.1" -c:a pcm_s16le six_channel_16k.wav
ls -l
# Stereo with a different tone per channel (left 440 Hz at 0.5, right 1000 Hz at 0.3), in the
# lossy codecs: the downmix must be the mean of both channels, not one of them. Made with sox
# and opusenc (apt-get install -y sox libsox-fmt-all opus-tools; Debian 12: sox 14.4.2, opus-tools 0.2).
sox -n -r 44100 -c 2 -b 16 "$T/lr44.wav" synth 0.5 sine 440 sine 1000 remix 1v0.5 2v0.3
sox -n -r 48000 -c 2 -b 16 "$T/lr48.wav" synth 0.5 sine 440 sine 1000 remix 1v0.5 2v0.3
sox "$T/lr44.wav" -C 64 tones_44k_stereo_lr.mp3
sox "$T/lr44.wav" -C 2 tones_44k_stereo_lr.ogg
opusenc --quiet --bitrate 64 "$T/lr48.wav" tones_48k_stereo_lr.opus
