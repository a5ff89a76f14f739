//go:build ignore

// voice_gen makes the display screen's voice clips (static/voice/*.wav),
// the fallback for a hall PC whose browser has no Mandarin voice
// (hall.Clips says which clips make a call). It needs espeak-ng with its
// Mandarin voice (apt-get install -y espeak-ng) and is run once, by hand;
// its output is committed:
//
//	go generate ./internal/web/   (runs: go run voice_gen.go)
//
// Each clip is synthesised with `espeak-ng -v cmn -s 150`, its leading and
// trailing silence trimmed, resampled to 16 kHz mono and kept as 8-bit PCM
// WAV — a format every browser plays — so that all of them together stay
// well under 300 KB.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"zwfw/internal/hall"
)

const rate = 16000

func main() {
	dir := filepath.Join("static", "voice")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	texts := hall.VoiceTexts()
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	total := 0
	for _, name := range names {
		tmp, err := os.CreateTemp("", "voice-*.wav")
		if err != nil {
			log.Fatal(err)
		}
		tmp.Close()
		out, err := exec.Command("espeak-ng", "-v", "cmn", "-s", "150", "-w", tmp.Name(), texts[name]).CombinedOutput()
		if err != nil {
			log.Fatalf("espeak-ng %s: %v: %s", name, err, out)
		}
		raw, err := os.ReadFile(tmp.Name())
		os.Remove(tmp.Name())
		if err != nil {
			log.Fatal(err)
		}
		samples, srcRate, err := readWAV(raw)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		clip := encode(resample(trim(samples, srcRate), srcRate, rate))
		if err := os.WriteFile(filepath.Join(dir, name+".wav"), clip, 0o644); err != nil {
			log.Fatal(err)
		}
		total += len(clip)
	}
	fmt.Printf("%d clips, %d bytes\n", len(names), total)
}

// readWAV reads a 16-bit mono PCM WAV.
func readWAV(b []byte) ([]float64, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("not a WAV file")
	}
	var srcRate int
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if n > len(body) {
			n = len(body)
		}
		switch id {
		case "fmt ":
			if binary.LittleEndian.Uint16(body[0:2]) != 1 || binary.LittleEndian.Uint16(body[2:4]) != 1 || binary.LittleEndian.Uint16(body[14:16]) != 16 {
				return nil, 0, fmt.Errorf("not 16-bit mono PCM")
			}
			srcRate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			s := make([]float64, n/2)
			for i := range s {
				s[i] = float64(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return s, srcRate, nil
		}
		p += 8 + n + n%2
	}
	return nil, 0, fmt.Errorf("no data")
}

// trim cuts the silence before and after the speech, keeping 20 ms on
// either side so that words joined one after another do not clip.
func trim(s []float64, r int) []float64 {
	const threshold = 0.02
	lo, hi := 0, len(s)
	for lo < hi && math.Abs(s[lo]) < threshold {
		lo++
	}
	for hi > lo && math.Abs(s[hi-1]) < threshold {
		hi--
	}
	pad := r / 50
	return s[max(0, lo-pad):min(len(s), hi+pad)]
}

// resample changes the rate with a windowed-sinc low-pass (the new
// Nyquist frequency), enough for speech.
func resample(s []float64, from, to int) []float64 {
	if from == to {
		return s
	}
	n := len(s) * to / from
	out := make([]float64, n)
	ratio := float64(from) / float64(to)
	cut := math.Min(1, float64(to)/float64(from)) * 0.95
	const taps = 16
	for i := range out {
		x := float64(i) * ratio
		c := int(x)
		var sum, wsum float64
		for k := c - taps; k <= c+taps; k++ {
			if k < 0 || k >= len(s) {
				continue
			}
			d := x - float64(k)
			w := cut * sinc(cut*d) * (0.5 + 0.5*math.Cos(math.Pi*d/(taps+1)))
			sum += s[k] * w
			wsum += w
		}
		if wsum != 0 {
			out[i] = sum / wsum
		}
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// encode writes 8-bit unsigned PCM, mono, at rate, normalised to 90 % of
// full scale.
func encode(s []float64) []byte {
	peak := 0.0
	for _, v := range s {
		peak = math.Max(peak, math.Abs(v))
	}
	gain := 1.0
	if peak > 0 {
		gain = 0.9 / peak
	}
	var b bytes.Buffer
	data := len(s)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data+data%2))
	b.WriteString("WAVEfmt ")
	// fmt: size, PCM, mono, rate, bytes per second, block align, bits
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate), uint16(1), uint16(8)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	for _, v := range s {
		q := math.Round(v*gain*127) + 128
		b.WriteByte(byte(math.Max(0, math.Min(255, q))))
	}
	if data%2 == 1 {
		b.WriteByte(128)
	}
	return b.Bytes()
}
