package main

// How a quiesced snapshot of a VM ends, decided from the guest's state by the
// rules of /work/shared/quiescing-rules.md (implemented here independently of
// the C client): the level reached or the fault vCenter reports.

import (
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// Levels, best first.
const (
	LevelApplication = "application"
	LevelFilesystem  = "filesystem"
	LevelCrash       = "crash"
	LevelFail        = "fail"
	LevelNone        = "none" // not quiesced at all (VM off, memory snapshot)
)

var levelRank = map[string]int{LevelApplication: 3, LevelFilesystem: 2, LevelCrash: 1, LevelFail: 0}

// QuiesceSpec is what the request asked for (CreateSnapshot_Task's is fixed).
type QuiesceSpec struct {
	BackupType     int32 // VSS_BACKUP_TYPE 1..5
	Bootable       bool
	PartialFile    bool
	Context        string // ctx_auto | ctx_backup | ctx_file_share_backup
	TimeoutMinutes int32
}

// Outcome of one quiesce attempt.
type Outcome struct {
	Level   string
	Reasons []string              // rule ids and why, for the lab's log and events
	Fault   types.BaseMethodFault // when Level is fail
	Message string
	Failing *Writer // a writer whose fail_on fires
}

const quiesceFailMsg = "An error occurred while saving the snapshot: Failed to quiesce the virtual machine."

// toolsConfFlags reads [vmbackup] vss.disableAppQuiescing and enableVSS.
func toolsConfFlags(conf *string) (disableApp, vssOff bool) {
	if conf == nil {
		return false, false
	}
	section := ""
	for _, line := range strings.Split(*conf, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		kv := strings.SplitN(line, "=", 2)
		if section != "vmbackup" || len(kv) != 2 || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		key, val := strings.ToLower(strings.TrimSpace(kv[0])), strings.ToLower(strings.TrimSpace(kv[1]))
		switch key {
		case "vss.disableappquiescing":
			disableApp = val == "true" || val == "1"
		case "enablevss":
			vssOff = val == "false" || val == "0"
		}
	}
	return disableApp, vssOff
}

// decide computes the outcome; v.mu must be held. powered: VM powered on.
func decide(v *LabVM, powered bool, extraUUID bool, q QuiesceSpec) Outcome {
	o := Outcome{Level: LevelApplication}
	capTo := func(level, why string) {
		o.Reasons = append(o.Reasons, why)
		if levelRank[level] < levelRank[o.Level] {
			o.Level = level
		}
	}
	if !powered {
		return Outcome{Level: LevelNone, Reasons: []string{"R20 not powered on: no quiescing"}}
	}
	if !v.toolsInstalled || !v.toolsRunning {
		return Outcome{Level: LevelFail, Reasons: []string{"R01/R02 Tools not running"}, Fault: &types.ToolsUnavailable{},
			Message: "Cannot create a quiesced snapshot because VMware Tools is not running in this virtual machine."}
	}
	f := v.Family
	if !f.IsWindows() {
		return Outcome{Level: LevelCrash, Reasons: []string{"not Windows: no VSS, no manifest"}}
	}
	tv, _ := EncodeToolsVersion(v.toolsVersion)
	if tv < tooOldToolsVersion {
		capTo(LevelFail, "R03 Tools too old")
	}
	if f.AtLeast2016() && tv < toolsExMin {
		capTo(LevelFail, "R03 Windows 2016+ with Tools < 10.1.0")
	}
	if f == Win2000XP {
		if v.sync {
			capTo(LevelFilesystem, "sync driver on 2000/XP")
		} else {
			capTo(LevelCrash, "R06 2000/XP without sync driver")
		}
		return finish(o)
	}
	if f == WinDesk {
		capTo(LevelFilesystem, "desktop Windows: file-system quiescing")
	}
	if !v.vss {
		if v.sync {
			capTo(LevelFilesystem, "R04 vmvss missing, sync driver used")
		} else {
			capTo(LevelFail, "R04 vmvss missing and no sync driver")
		}
	}
	if v.sync && v.vss {
		capTo(LevelFilesystem, "R05 LGTO_Sync installed")
	}
	if f.AtLeast2008() && !v.uuidEffective {
		if extraUUID {
			capTo(LevelFilesystem, "R08 disk.EnableUUID set but not yet power-cycled")
		} else {
			capTo(LevelFilesystem, "R07 disk.EnableUUID not TRUE")
		}
	}
	scsiCtl := map[int]bool{}
	scsiDisks := 0
	for _, d := range v.disks {
		switch {
		case d.Controller == "ide":
			capTo(LevelFilesystem, "R09 IDE disk")
		case d.Controller == "sata" || d.Controller == "nvme":
			capTo(LevelFilesystem, "R10 SATA/NVMe disk")
		case isSCSI(d.Controller):
			scsiCtl[d.Bus] = true
			scsiDisks++
		}
	}
	if f.AtLeast2008() && 15*len(scsiCtl)-scsiDisks < len(v.disks) {
		capTo(LevelFilesystem, "R11 not enough free SCSI slots")
	}
	if v.Spec.Guest.DynamicDisks {
		capTo(LevelFilesystem, "R12 dynamic disks")
	}
	if f.AtLeast2016() && v.Spec.Guest.StorageSpaces {
		capTo(LevelFilesystem, "R13 Storage Spaces")
	}
	if v.vssStart == "disabled" {
		capTo(LevelFail, "R15 VSS service disabled")
	}
	for _, w := range v.writers {
		if !v.writerListed(w) {
			continue // its service is stopped: VSS does not ask it
		}
		if !w.Healthy() {
			capTo(LevelFail, "R16 writer "+w.Name+" not stable")
			if o.Fault == nil {
				o.Fault, o.Message = &types.ApplicationQuiesceFault{}, quiesceFailMsg
			}
		}
	}
	disableApp, vssOff := toolsConfFlags(v.toolsConf)
	if vssOff {
		if v.sync {
			capTo(LevelFilesystem, "R18 enableVSS = false, sync driver used")
		} else {
			capTo(LevelFail, "R18 enableVSS = false and no sync driver")
		}
	}
	if disableApp {
		capTo(LevelFilesystem, "R18 vss.disableAppQuiescing = true")
	}
	if q.Context == "ctx_file_share_backup" {
		capTo(LevelFilesystem, "vssBackupContext ctx_file_share_backup")
	}
	if q.Context == "ctx_backup" && o.Level == LevelFilesystem {
		capTo(LevelFail, "vssBackupContext ctx_backup needs application quiescing")
		if o.Fault == nil {
			o.Fault, o.Message = &types.ApplicationQuiesceFault{}, quiesceFailMsg
		}
	}
	// A writer set to fail does so when VSS runs with writers (application level).
	if o.Level == LevelApplication {
		for _, w := range v.writers {
			if w.FailOn != "none" && v.writerListed(w) {
				o.Failing = w
				o.Reasons = append(o.Reasons, "writer "+w.Name+" fails at "+w.FailOn)
				o.Level = LevelFail
				if w.FailOn == "timeout" {
					o.Fault = &types.Timedout{}
					o.Message = quiesceFailMsg + " The quiesce operation timed out."
				} else {
					o.Fault, o.Message = &types.ApplicationQuiesceFault{}, quiesceFailMsg
				}
				break
			}
		}
	}
	return finish(o)
}

// finish gives a fail outcome its fault when no rule chose one.
func finish(o Outcome) Outcome {
	if o.Level == LevelFail && o.Fault == nil {
		o.Fault, o.Message = &types.FilesystemQuiesceFault{}, quiesceFailMsg
	}
	return o
}

// applyWriterFailure changes the failing writer's state as vssadmin will show it (v.mu held).
func applyWriterFailure(w *Writer) {
	switch w.FailOn {
	case "freeze":
		w.StateNum, w.LastError = 9, "non_retryable" // VSS_WS_FAILED_AT_FREEZE
	case "thaw":
		w.StateNum, w.LastError = 10, "non_retryable" // VSS_WS_FAILED_AT_THAW
	case "timeout":
		w.StateNum, w.LastError = 9, "timeout"
	}
	w.FailOn = "none" // it failed the next quiesce, as the scenario asked
}
