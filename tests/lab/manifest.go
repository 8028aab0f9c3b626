package main

// The VSS manifest zip Tools leaves in the snapshot directory: backup.xml
// (the Backup Components Document) and, for application quiescing, one
// writer metadata document per writer.

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"strings"
)

var backupTypeNames = map[int32]string{1: "full", 2: "incremental", 3: "differential", 4: "log", 5: "copy"}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func attr(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

func randomGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("{%x-%x-%x-%x-%x}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// componentType: databases for transactional writers, file groups otherwise.
func componentType(w *Writer) string {
	if w.DataSource == "TRANSACTION_DB" || w.Name == "Registry Writer" || w.Name == "COM+ REGDB Writer" {
		return "database"
	}
	return "filegroup"
}

// logicalPath: SQL components live under the instance (the host name).
func logicalPath(w *Writer, host string) string {
	if w.Name == "SqlServerWriter" {
		return strings.ToUpper(host)
	}
	return ""
}

// BuildManifest makes the zip; writers nil means file-system quiescing (backup.xml only).
func BuildManifest(host string, q QuiesceSpec, writers []*Writer) ([]byte, error) {
	setID := randomGUID()
	var bcd strings.Builder
	fmt.Fprintf(&bcd, "<?xml version=\"1.0\"?>\r\n<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" "+
		"bootableSystemStateBackup=\"%s\" selectComponents=\"%s\" backupType=\"%s\" partialFileSupport=\"%s\" snapshotSetId=\"%s\">\r\n",
		yesNo(q.Bootable && writers != nil), yesNo(writers != nil), backupTypeNames[q.BackupType], yesNo(q.PartialFile), setID)
	for _, w := range writers {
		if len(w.Components) == 0 {
			continue
		}
		fmt.Fprintf(&bcd, "<WRITER_COMPONENTS writerId=\"%s\" instanceId=\"%s\" instanceName=\"%s\">\r\n",
			w.ID, w.InstanceID, attr(w.Name))
		for _, c := range w.Components {
			fmt.Fprintf(&bcd, "<COMPONENT logicalPath=\"%s\" componentName=\"%s\" componentType=\"%s\" backupSucceeded=\"yes\"/>\r\n",
				attr(logicalPath(w, host)), attr(c), componentType(w))
		}
		bcd.WriteString("</WRITER_COMPONENTS>\r\n")
	}
	fmt.Fprintf(&bcd, "<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"%s\" context=\"%d\"/>\r\n</BACKUP_COMPONENTS>\r\n",
		setID, map[bool]int{true: 0, false: 0x1d}[writers != nil])

	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name, body string) error {
		w, err := z.Create(name)
		if err == nil {
			_, err = w.Write([]byte(body))
		}
		return err
	}
	if err := add("backup.xml", bcd.String()); err != nil {
		return nil, err
	}
	for _, w := range writers {
		var md strings.Builder
		fmt.Fprintf(&md, "<?xml version=\"1.0\"?>\r\n<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.1\">\r\n"+
			"<IDENTIFICATION writerId=\"%s\" instanceId=\"%s\" friendlyName=\"%s\" usage=\"%s\" dataSource=\"%s\"/>\r\n"+
			"<BACKUP_LOCATIONS>\r\n", w.ID, w.InstanceID, attr(w.Name), w.Usage, w.DataSource)
		for _, c := range w.Components {
			tag := "FILE_GROUP"
			if componentType(w) == "database" {
				tag = "DATABASE"
			}
			fmt.Fprintf(&md, "<%s logicalPath=\"%s\" componentName=\"%s\" caption=\"%s\" restoreMetadata=\"no\" notifyOnBackupComplete=\"no\" selectable=\"yes\"/>\r\n",
				tag, attr(logicalPath(w, host)), attr(c), attr(c))
		}
		md.WriteString("</BACKUP_LOCATIONS>\r\n</WRITER_METADATA>\r\n")
		if err := add(strings.Trim(w.ID, "{}")+".xml", md.String()); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
