package main

// Code pages: the guest's texts are UTF-8 in the lab and bytes in an OEM
// code page in the guest. Conversion goes through glibc's iconv (a project
// dependency), which knows Windows' CP437, CP850, CP852, CP866, CP932,
// CP936 and CP949; what a code page cannot hold becomes '?', as Windows'
// conversion gives, and bytes that are not valid in the source code page
// become U+FFFD.

/*
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>

static int lab_errno(void) { return errno; }
*/
import "C"

import (
	"fmt"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// codePages the lab's cmd.exe accepts for chcp (the OEM ones it ships, UTF-8 and Windows-1252).
var codePages = map[int]string{437: "CP437", 850: "CP850", 852: "CP852", 866: "CP866",
	932: "CP932", 936: "CP936", 949: "CP949", 1252: "CP1252", 65001: "UTF-8"}

var iconvMu sync.Mutex // one converter at a time: cheap, and iconv_t is not shared

// convert converts data from one iconv charset to another; invalid input is
// replaced by bad (already in the target charset) one unit at a time.
func convert(data []byte, from, to string, bad []byte, fromUTF8 bool) ([]byte, error) {
	if len(data) == 0 {
		return nil, nil
	}
	cto, cfrom := C.CString(to), C.CString(from)
	defer C.free(unsafe.Pointer(cto))
	defer C.free(unsafe.Pointer(cfrom))
	iconvMu.Lock()
	defer iconvMu.Unlock()
	cd, err := C.iconv_open(cto, cfrom)
	if err != nil {
		return nil, fmt.Errorf("iconv %s -> %s: %v", from, to, err)
	}
	defer C.iconv_close(cd)

	in := C.CBytes(data)
	defer C.free(in)
	outCap := len(data)*4 + 16
	outBuf := C.malloc(C.size_t(outCap))
	defer C.free(outBuf)
	var res []byte
	inPtr, inLeft := (*C.char)(in), C.size_t(len(data))
	for inLeft > 0 {
		outPtr, outLeft := (*C.char)(outBuf), C.size_t(outCap)
		r := C.iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
		res = append(res, C.GoBytes(outBuf, C.int(C.size_t(outCap)-outLeft))...)
		if r != C.size_t(^uint(0)) {
			continue
		}
		switch C.lab_errno() {
		case C.E2BIG:
			continue
		case C.EILSEQ, C.EINVAL:
			res = append(res, bad...)
			skip := 1
			if fromUTF8 {
				done := len(data) - int(inLeft)
				_, skip = utf8.DecodeRune(data[done:])
			}
			inPtr = (*C.char)(unsafe.Pointer(uintptr(unsafe.Pointer(inPtr)) + uintptr(skip)))
			inLeft -= C.size_t(skip)
		default:
			return nil, fmt.Errorf("iconv %s -> %s failed", from, to)
		}
	}
	// flush a stateful converter
	outPtr, outLeft := (*C.char)(outBuf), C.size_t(outCap)
	C.iconv(cd, nil, nil, &outPtr, &outLeft)
	res = append(res, C.GoBytes(outBuf, C.int(C.size_t(outCap)-outLeft))...)
	return res, nil
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// encodeCP writes UTF-8 text in code page cp.
func encodeCP(text string, cp int) []byte {
	if cp == 65001 || isASCII([]byte(text)) {
		return []byte(text)
	}
	out, err := convert([]byte(text), "UTF-8", codePages[cp], []byte("?"), true)
	if err != nil {
		panic(err) // every code page of codePages is known to glibc
	}
	return out
}

// decodeCP reads bytes of code page cp as UTF-8.
func decodeCP(data []byte, cp int) string {
	if cp == 65001 || isASCII(data) {
		return string(data)
	}
	out, err := convert(data, codePages[cp], "UTF-8", []byte("\uFFFD"), false)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// transcodeCP converts bytes of code page from to code page to, as cmd.exe
// shows a program's output after chcp.
func transcodeCP(data []byte, from, to int) []byte {
	if from == to || isASCII(data) {
		return data
	}
	return encodeCP(decodeCP(data, from), to)
}
