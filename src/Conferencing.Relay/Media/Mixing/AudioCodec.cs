using Concentus;
using Concentus.Enums;
using Conferencing.Sip.Sdp;
using NAudio.Codecs;

namespace Conferencing.Relay.Media.Mixing;

/// <summary>
/// An audio codec the mixer decodes and encodes. Every leg of a meeting negotiated the profile's one
/// codec, so the mixer works at that codec's own sampling rate and never resamples: 8 kHz for G.711,
/// 16 kHz for G.722, 16 kHz for opus (wideband; the decoder and encoder convert to and from opus's
/// 48 kHz RTP clock internally, which costs a third of full-band and carries all of speech).
/// </summary>
internal abstract class AudioCodec
{
    /// <summary>Frame length the mixer works in, and the packet time it sends.</summary>
    public const int FrameMilliseconds = 20;

    /// <summary>Largest payload one encoded frame takes (opus at most; G.711 and G.722 take 160 bytes).</summary>
    public const int MaxPayloadBytes = 400;

    /// <summary>The codec name as SDP says it.</summary>
    public abstract string Name { get; }

    /// <summary>The PCM sampling rate the mixer works at.</summary>
    public abstract int SampleRate { get; }

    /// <summary>The RTP clock rate (G.722's is 8000 for 16 kHz audio, RFC 3551 4.5.2).</summary>
    public abstract int ClockRate { get; }

    /// <summary>PCM samples in one frame.</summary>
    public int FrameSamples => SampleRate * FrameMilliseconds / 1000;

    /// <summary>RTP timestamp units in one frame.</summary>
    public int FrameTimestamp => ClockRate * FrameMilliseconds / 1000;

    /// <summary>The codec for a profile format, or null when the mixer cannot handle it.</summary>
    public static AudioCodec? For(MediaFormat format) => format.EncodingName.ToUpperInvariant() switch
    {
        "PCMU" => G711Codec.MuLaw,
        "PCMA" => G711Codec.ALaw,
        "G722" => G722AudioCodec.Instance,
        "OPUS" => OpusAudioCodec.Instance,
        _ => null,
    };

    /// <summary>A decoder with its own state, for one contributor.</summary>
    public abstract AudioDecoder CreateDecoder();

    /// <summary>An encoder with its own state, for one output stream.</summary>
    public abstract AudioEncoder CreateEncoder();
}

/// <summary>Decodes one contributor's payloads. Not thread-safe; one per contributor.</summary>
internal abstract class AudioDecoder
{
    /// <summary>Decodes a payload into <paramref name="pcm"/>; returns the samples written, or -1 when it is not decodable.</summary>
    public abstract int Decode(ReadOnlySpan<byte> payload, Span<short> pcm);
}

/// <summary>Encodes one output stream's frames. Not thread-safe; one per stream.</summary>
internal abstract class AudioEncoder
{
    /// <summary>Encodes one frame (<see cref="AudioCodec.FrameSamples"/> samples); returns the payload length.</summary>
    public abstract int Encode(ReadOnlySpan<short> pcm, Span<byte> payload);
}

/// <summary>
/// G.711 µ-law (PCMU) and A-law (PCMA): one byte per sample, no state. Written here rather than
/// taken from NAudio because NAudio's encoders turn -32768 into a code near zero (the negation
/// overflows); these are the segment rules of ITU-T G.711 on 16-bit samples, decoded through a
/// 256-entry table.
/// </summary>
internal sealed class G711Codec : AudioCodec
{
    public static readonly G711Codec MuLaw = new(true);
    public static readonly G711Codec ALaw = new(false);

    private const int MuLawBias = 0x84;
    private const int MuLawClip = 32635;

    private readonly bool _muLaw;
    private readonly Coder _coder;

    private G711Codec(bool muLaw)
    {
        _muLaw = muLaw;
        short[] table = new short[256];
        for (int i = 0; i < 256; i++)
        {
            table[i] = muLaw ? DecodeMuLaw((byte)i) : DecodeALaw((byte)i);
        }

        _coder = new Coder(muLaw, table);
    }

    public override string Name => _muLaw ? "PCMU" : "PCMA";

    public override int SampleRate => 8000;

    public override int ClockRate => 8000;

    // Stateless, so every contributor and stream shares one.
    public override AudioDecoder CreateDecoder() => _coder;

    public override AudioEncoder CreateEncoder() => _coder.Encoder;

    /// <summary>µ-law: sign, 3-bit segment (exponent) and 4-bit step of the biased magnitude, all inverted.</summary>
    public static byte EncodeMuLaw(short sample)
    {
        int value = sample;
        int sign = 0;
        if (value < 0)
        {
            sign = 0x80;
            value = -value; // an int, so -32768 does not overflow
        }

        value = Math.Min(value, MuLawClip) + MuLawBias;
        int segment = 7;
        for (int mask = 0x4000; (value & mask) == 0 && segment > 0; mask >>= 1)
        {
            segment--;
        }

        int step = (value >> (segment + 3)) & 0x0F;
        return (byte)~(sign | (segment << 4) | step);
    }

    public static short DecodeMuLaw(byte code)
    {
        int u = ~code & 0xFF;
        int segment = (u >> 4) & 0x07;
        int magnitude = (((u & 0x0F) << 3) + MuLawBias) << segment;
        return (short)((u & 0x80) != 0 ? MuLawBias - magnitude : magnitude - MuLawBias);
    }

    /// <summary>A-law: sign, 3-bit segment and 4-bit step of the 13-bit magnitude, even bits inverted (0x55).</summary>
    public static byte EncodeALaw(short sample)
    {
        int value = sample >> 3;
        int mask;
        if (value >= 0)
        {
            mask = 0xD5;
        }
        else
        {
            mask = 0x55;
            value = -value - 1;
        }

        int segment = 0;
        while (segment < 8 && value > (0x20 << segment) - 1)
        {
            segment++;
        }

        if (segment >= 8)
        {
            return (byte)(0x7F ^ mask);
        }

        int step = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F;
        return (byte)(((segment << 4) | step) ^ mask);
    }

    public static short DecodeALaw(byte code)
    {
        int a = code ^ 0x55;
        int magnitude = (a & 0x0F) << 4;
        int segment = (a & 0x70) >> 4;
        magnitude = segment switch
        {
            0 => magnitude + 8,
            1 => magnitude + 0x108,
            _ => (magnitude + 0x108) << (segment - 1),
        };

        return (short)((a & 0x80) != 0 ? magnitude : -magnitude);
    }

    private sealed class Coder(bool muLaw, short[] table) : AudioDecoder
    {
        public AudioEncoder Encoder { get; } = new G711Encoder(muLaw);

        public override int Decode(ReadOnlySpan<byte> payload, Span<short> pcm)
        {
            int n = Math.Min(payload.Length, pcm.Length);
            for (int i = 0; i < n; i++)
            {
                pcm[i] = table[payload[i]];
            }

            return n;
        }
    }

    private sealed class G711Encoder(bool muLaw) : AudioEncoder
    {
        public override int Encode(ReadOnlySpan<short> pcm, Span<byte> payload)
        {
            if (muLaw)
            {
                for (int i = 0; i < pcm.Length; i++)
                {
                    payload[i] = EncodeMuLaw(pcm[i]);
                }
            }
            else
            {
                for (int i = 0; i < pcm.Length; i++)
                {
                    payload[i] = EncodeALaw(pcm[i]);
                }
            }

            return pcm.Length;
        }
    }
}

/// <summary>G.722 at 64 kbit/s through NAudio's codec: 16 kHz audio, two samples per byte, 8 kHz RTP clock.</summary>
internal sealed class G722AudioCodec : AudioCodec
{
    public static readonly G722AudioCodec Instance = new();

    public override string Name => "G722";

    public override int SampleRate => 16000;

    public override int ClockRate => 8000;

    public override AudioDecoder CreateDecoder() => new Decoder();

    public override AudioEncoder CreateEncoder() => new Encoder();

    private sealed class Decoder : AudioDecoder
    {
        private readonly G722Codec _codec = new();
        private readonly G722CodecState _state = new(64000, G722Flags.None);

        // NAudio's G.722 works on arrays: these are reused so decoding allocates nothing.
        private readonly byte[] _in = new byte[MediaSocket.BufferSize];
        private readonly short[] _out = new short[MediaSocket.BufferSize * 2];

        public override int Decode(ReadOnlySpan<byte> payload, Span<short> pcm)
        {
            int n = Math.Min(payload.Length, pcm.Length / 2);
            payload[..n].CopyTo(_in);
            int samples = _codec.Decode(_state, _out, _in, n);
            _out.AsSpan(0, samples).CopyTo(pcm);
            return samples;
        }
    }

    private sealed class Encoder : AudioEncoder
    {
        private readonly G722Codec _codec = new();
        private readonly G722CodecState _state = new(64000, G722Flags.None);
        private readonly short[] _in = new short[640];
        private readonly byte[] _out = new byte[640];

        public override int Encode(ReadOnlySpan<short> pcm, Span<byte> payload)
        {
            pcm.CopyTo(_in);
            int bytes = _codec.Encode(_state, _out, _in, pcm.Length);
            _out.AsSpan(0, bytes).CopyTo(payload);
            return bytes;
        }
    }
}

/// <summary>Opus through Concentus (managed libopus port), mono, decoded and encoded at 16 kHz.</summary>
internal sealed class OpusAudioCodec : AudioCodec
{
    public static readonly OpusAudioCodec Instance = new();

    /// <summary>Bit rate of the mix: plenty for wideband speech from several sites at once.</summary>
    public const int Bitrate = 32000;

    public override string Name => "opus";

    public override int SampleRate => 16000;

    public override int ClockRate => 48000;

    public override AudioDecoder CreateDecoder() => new Decoder(SampleRate);

    public override AudioEncoder CreateEncoder() => new Encoder(SampleRate, FrameSamples);

    private sealed class Decoder(int sampleRate) : AudioDecoder
    {
        private readonly IOpusDecoder _decoder = OpusCodecFactory.CreateDecoder(sampleRate, 1);

        // RFC 6716: at most 120 ms in one packet.
        private readonly int _maxSamples = sampleRate * 120 / 1000;

        public override int Decode(ReadOnlySpan<byte> payload, Span<short> pcm)
        {
            try
            {
                return _decoder.Decode(payload, pcm, Math.Min(_maxSamples, pcm.Length), false);
            }
            catch (Exception e) when (e is OpusException or ArgumentException or IndexOutOfRangeException)
            {
                // A corrupt packet: the jitter buffer conceals it like a lost one.
                return -1;
            }
        }
    }

    private sealed class Encoder : AudioEncoder
    {
        private readonly IOpusEncoder _encoder;
        private readonly int _frameSamples;

        public Encoder(int sampleRate, int frameSamples)
        {
            _encoder = OpusCodecFactory.CreateEncoder(sampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
            _encoder.Bitrate = Bitrate;
            _frameSamples = frameSamples;
        }

        public override int Encode(ReadOnlySpan<short> pcm, Span<byte> payload) =>
            _encoder.Encode(pcm, _frameSamples, payload, payload.Length);
    }
}
