package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store/storetest"
)

var benchCards = envInt("HUMANS_BENCH_CARDS", 100_000)

// bookNames resolves the generated book's ids to names.
type bookNames struct{ b *storetest.GeneratedBook }

func (n bookNames) CompanyName(id int64) string {
	if id < 1 || int(id) > len(n.b.Companies) {
		return ""
	}
	return n.b.Companies[id-1].Name
}

func (n bookNames) GroupName(id int64) string {
	if id < 1 || int(id) > len(n.b.Groups) {
		return ""
	}
	return n.b.Groups[id-1].Name
}

// benchVCF is a 100,000-card vCard 3.0 file of generated contacts.
func benchVCF(b *testing.B) []byte {
	book := storetest.Book(benchCards, 11)
	var buf bytes.Buffer
	for i, h := range book.Humans {
		h.UID = "bench-" + string(rune('a'+i%26)) + "-" + itoa(i)
		card, err := carddav.Encode(h, bookNames{book}, nil, "3.0")
		if err != nil {
			b.Fatal(err)
		}
		if err := carddav.WriteCard(&buf, card); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes()
}

// writeBenchFile writes data to a file of the benchmark's and returns its
// path and size. The bytes are not kept: the process imports the file
// with no more of a heap than the humans command would have (a larger
// live heap would make the collector run less often), and a collection
// clears what generating them left.
func writeBenchFile(b *testing.B, data []byte) (string, int64) {
	path := filepath.Join(b.TempDir(), "book.vcf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return path, int64(len(data))
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// BenchmarkImportVCard100k imports a 100,000-card file into an empty book:
// read, decode, match, validate, create companies and groups, store.
func BenchmarkImportVCard100k(b *testing.B) {
	benchImport(b, benchVCF(b), func(res ImportResult) bool {
		return res.Created+res.Updated == benchCards // generated people may repeat one another
	})
}

// benchImport imports the cards of data into an empty book at each
// round, checks the result with ok, and reports cards/s and the process's
// CPU time per import: the CPU time of the whole process (every core, the
// book's opening and closing included) varies less than the wall time on
// a shared machine, so compare changes with it too.
func benchImport(b *testing.B, data []byte, ok func(ImportResult) bool) {
	path, size := writeBenchFile(b, data)
	b.SetBytes(size)
	cpu := processCPU()
	for b.Loop() {
		b.StopTimer()
		svc, err := Open(Options{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := svc.ImportFiles(context.Background(), []string{path}, ImportOptions{})
		if err != nil || res.Failed != 0 || !ok(res) {
			b.Fatalf("%+v %v %v", res.ImportResultCounts, res.Problems, err)
		}
		b.StopTimer()
		svc.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchCards*b.N)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportRealWorld100k imports 100,000 cards shaped as the
// sample exports of Apple Contacts, Google, Android, Outlook, Thunderbird
// and Evolution (carddav/testdata): item groups and X-AB labels, social
// profiles, quoted-printable, tel: URIs, extensions, a photo on some. Each
// copy of a sample has its own UID, names, e-mail addresses and phone
// numbers, so nothing merges.
func BenchmarkImportRealWorld100k(b *testing.B) {
	benchImport(b, realWorldVCF(b), func(res ImportResult) bool { return res.Created == benchCards })
}

// realWorldVCF is benchCards copies of the sample cards, each made a
// person of its own: a number appended to its UID, names and e-mail
// addresses, and the last four digits of its phone numbers replaced.
func realWorldVCF(b *testing.B) []byte {
	var samples [][]string // the lines of each sample card
	for _, name := range []string{"apple_contacts", "google_contacts", "android", "outlook", "thunderbird", "evolution"} {
		raw, err := os.ReadFile(filepath.Join("..", "carddav", "testdata", name+".vcf"))
		if err != nil {
			b.Fatal(err)
		}
		text := strings.ReplaceAll(strings.TrimPrefix(string(raw), "\ufeff"), "\r\n", "\n")
		var card []string
		for _, line := range strings.Split(text, "\n") {
			card = append(card, line)
			if strings.EqualFold(line, "END:VCARD") {
				samples = append(samples, card)
				card = nil
			}
		}
	}
	lastDigits := regexp.MustCompile(`[0-9]{4}([^0-9]*)$`)
	var buf bytes.Buffer
	for i := range benchCards {
		n := strconv.Itoa(i)
		for _, line := range samples[i%len(samples)] {
			name, _, _ := strings.Cut(line, ":")
			if g, rest, ok := strings.Cut(name, "."); ok && !strings.ContainsAny(g, ";=") {
				name = rest // an item group
			}
			name, _, _ = strings.Cut(strings.ToUpper(name), ";")
			switch {
			case strings.HasSuffix(line, "="):
				// a quoted-printable line that goes on: as it is
			case name == "UID" || name == "FN":
				line += "-" + n
			case name == "N":
				line = strings.Replace(line, ";", n+";", 1)
			case name == "EMAIL":
				line = strings.Replace(line, "@", "+"+n+"@", 1)
			case name == "TEL":
				line = lastDigits.ReplaceAllString(line, fmt.Sprintf("%04d", i%10_000)+"$1")
			}
			buf.WriteString(line)
			buf.WriteString("\r\n")
		}
	}
	return buf.Bytes()
}

// BenchmarkExport100k exports a 100,000-contact book in each format.
func BenchmarkExport100k(b *testing.B) {
	svc, err := Open(Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	book := storetest.Book(benchCards, 12)
	for _, c := range book.Companies {
		if _, err := svc.CreateCompany(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, g := range book.Groups {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := svc.CreateHumans(ctx, book.Humans); err != nil {
		b.Fatal(err)
	}
	for _, f := range []ExportFormat{ExportVCard, ExportCSV, ExportJSON} {
		b.Run(string(f), func(b *testing.B) {
			var size int64
			for b.Loop() {
				var cw countingWriter
				n, err := svc.Export(ctx, ExportRequest{Format: f}, &cw)
				if err != nil || n != benchCards {
					b.Fatalf("%d %v", n, err)
				}
				size = cw.n
			}
			b.SetBytes(size)
			b.ReportMetric(float64(benchCards*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
