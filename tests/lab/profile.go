package main

// Profiles of the lab serving, for `go tool pprof`: the lab's cost per request
// is what the benchmarks' floors measure, so it must be easy to look at.
// QUIESCENT_LAB_CPUPROFILE=FILE profiles the CPU from READY to shutdown;
// QUIESCENT_LAB_MEMPROFILE=FILE writes the heap profile (live and allocated
// since start) at shutdown.

import (
	"log"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfile starts what the environment asks for; the returned function
// stops it and writes the files, and is never nil.
func startProfile() func() {
	cpu := os.Getenv("QUIESCENT_LAB_CPUPROFILE")
	mem := os.Getenv("QUIESCENT_LAB_MEMPROFILE")
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
			if err != nil {
				f.Close()
			}
		}
		if err != nil {
			log.Printf("QUIESCENT_LAB_CPUPROFILE: %v", err)
		} else {
			cpuFile = f
		}
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				log.Printf("QUIESCENT_LAB_CPUPROFILE: %v", err)
			}
		}
		if mem != "" {
			runtime.GC() // the live figures are as of the last GC
			f, err := os.Create(mem)
			if err == nil {
				err = pprof.WriteHeapProfile(f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				log.Printf("QUIESCENT_LAB_MEMPROFILE: %v", err)
			}
		}
	}
}
