// Command ferretdb-test-server runs FerretDB v1 (SQLite backend) as a
// MongoDB-wire-compatible server for tests. See README.md.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	data := flag.String("data", "", "SQLite data directory (required)")
	serialize := flag.Bool("serialize", true, "execute one command at a time (makes single-document updates atomic)")
	level := flag.String("log-level", "error", "FerretDB log level: debug, info, warn or error")
	flag.Parse()

	var lvl slog.Level
	dir, err := filepath.Abs(*data)
	if err == nil && *data == "" {
		err = errors.New("-data is required")
	}
	if err == nil {
		err = lvl.UnmarshalText([]byte(*level))
	}
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	slog.SetDefault(logger)

	conf := &ferretdb.Config{Logger: logger, Handler: "sqlite", SQLiteURL: "file:" + dir + "/"}
	sock := filepath.Join(dir, ".ferretdb.sock")
	if *serialize {
		conf.Listener.Unix = sock // FerretDB itself is reached only through the proxy below
	} else {
		conf.Listener.TCP = *listen
	}
	f, err := ferretdb.New(conf)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *serialize {
		go serve(ctx, *listen, sock)
	}
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// serve accepts clients on addr and forwards each wire message to the FerretDB
// Unix socket while holding a global lock until its reply has been read.
// FerretDB v1 updates are read-modify-write without locking, so without this
// concurrent conditional updates / $inc on one document lose writes.
func serve(ctx context.Context, addr, sock string) {
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		} else if time.Now().After(deadline) {
			log.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { <-ctx.Done(); l.Close() }()
	var mu sync.Mutex
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go proxy(c, sock, &mu)
	}
}

func proxy(c net.Conn, sock string, mu *sync.Mutex) {
	defer c.Close()
	b, err := net.Dial("unix", sock)
	if err != nil {
		return
	}
	defer b.Close()
	for {
		req, err := readMsg(c)
		if err != nil {
			return
		}
		var replies [][]byte
		mu.Lock()
		_, err = b.Write(req)
		for more := !moreToCome(req); err == nil && more; {
			var rep []byte
			if rep, err = readMsg(b); err == nil {
				replies, more = append(replies, rep), moreToCome(rep)
			}
		}
		mu.Unlock()
		for _, rep := range replies {
			if _, werr := c.Write(rep); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// readMsg reads one wire protocol message (16-byte header with int32 length first).
func readMsg(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n < 16 || n > 64<<20 {
		return nil, errors.New("bad message length")
	}
	msg := make([]byte, n)
	copy(msg, hdr[:])
	_, err := io.ReadFull(r, msg[4:])
	return msg, err
}

// moreToCome reports whether msg is an OP_MSG with the moreToCome flag (no reply / another reply follows).
func moreToCome(msg []byte) bool {
	return len(msg) >= 20 && binary.LittleEndian.Uint32(msg[12:]) == 2013 && binary.LittleEndian.Uint32(msg[16:])&2 != 0
}
