package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar returns a callback drawing "label [#####.....] done/total" on
// w, redrawn at most ten times a second, on one line when w is a terminal
// and as a few plain lines otherwise.
func progressBar(w io.Writer, label string) func(done, total int) {
	tty := isTerminal(w)
	var last time.Time
	lastPct := -1
	return func(done, total int) {
		if total == 0 {
			return
		}
		pct := done * 100 / total
		if tty {
			if done != total && time.Since(last) < 100*time.Millisecond {
				return
			}
			last = time.Now()
			const width = 30
			n := done * width / total
			fmt.Fprintf(w, "\r%s [%s%s] %d/%d", label, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(w)
			}
			return
		}
		if pct/25 != lastPct/25 || done == total {
			lastPct = pct
			fmt.Fprintf(w, "%s: %d/%d (%d%%)\n", label, done, total, pct)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
