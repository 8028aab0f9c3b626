#include "fix/fix_writers.h"

#include <stddef.h>
#include <strings.h>

/* Microsoft's in-box writers and the common application writers. Outages are what a restart
 * takes on a healthy server (stop, start, the writer registering again), rounded up. */
static const fix_writer_owner owners[] = {
	{ "SqlServerWriter", "SQLWriter", "SQL Server VSS Writer", false, 5,
	  "only the SQL Server VSS Writer service restarts; SQL Server and its databases keep running" },
	{ "Microsoft Exchange Writer", "MSExchangeRepl", "Microsoft Exchange Replication", true, 60,
	  "Exchange 2013 and later host this writer in the Replication service: restarting it "
	  "pauses database copy replication and seeding (databases stay mounted). On Exchange 2010 "
	  "the writer is in the Information Store (MSExchangeIS), whose restart dismounts every "
	  "mailbox database on the server: restart that one only in a maintenance window" },
	{ "Microsoft Exchange Replica Writer", "MSExchangeRepl", "Microsoft Exchange Replication",
	  true, 60, "pauses database copy replication of this Exchange 2010 server" },
	{ "NTDS", "NTDS", "Active Directory Domain Services", true, 120,
	  "this is a domain controller: stopping AD DS also stops the KDC, DNS, DFS Replication and "
	  "the other services depending on it, and clients fail over to other domain controllers; "
	  "restart it (or the server) off hours, never with net stop /y on a busy DC" },
	{ "IIS Config Writer", "AppHostSvc", "Application Host Helper Service", false, 5,
	  "web sites keep serving; only IIS configuration history and backups pause" },
	{ "IIS Metabase Writer", "IISADMIN", "IIS Admin Service", true, 30,
	  "stopping the IIS Admin Service stops the web sites depending on it (W3SVC, FTP, SMTP)" },
	{ "DFS Replication service writer", "DFSR", "DFS Replication", true, 60,
	  "DFS and SYSVOL replication pause; on restart the service checks its database, which "
	  "can take long on large replicated folders" },
	{ "FSRM Writer", "srmsvc", "File Server Resource Manager", false, 10,
	  "quotas and file screens are not enforced during the restart" },
	{ "Dhcp Jet Writer", "DHCPServer", "DHCP Server", true, 15,
	  "clients cannot obtain or renew leases while the DHCP Server service restarts" },
	{ "WIDWriter", "MSSQL$MICROSOFT##WID", "Windows Internal Database", true, 30,
	  "the roles using the Windows Internal Database (WSUS, AD FS, RD Connection Broker) stop "
	  "working during the restart" },
	{ "Certificate Authority", "CertSvc", "Active Directory Certificate Services", true, 15,
	  "the CA issues no certificate and publishes no CRL during the restart" },
	{ "System Writer", "CryptSvc", "Cryptographic Services", false, 10,
	  "signature checks and certificate enrolment wait a few seconds" },
	{ "WMI Writer", "Winmgmt", "Windows Management Instrumentation", false, 15,
	  "WMI clients (monitoring agents) lose their connection and reconnect; if services "
	  "depend on WMI, net stop refuses and nothing is stopped" },
	{ "Task Scheduler Writer", "Schedule", "Task Scheduler", true, 0,
	  "the Task Scheduler cannot be stopped on Windows Server 2012 and later: restart the "
	  "server in a maintenance window" },
	{ "Microsoft Hyper-V VSS Writer", "vmms", "Hyper-V Virtual Machine Management", false, 15,
	  "running virtual machines keep running; Hyper-V management pauses" },
	{ "Registry Writer", "VSS", "Volume Shadow Copy", false, 5, "no other service is affected" },
	{ "ASR Writer", "VSS", "Volume Shadow Copy", false, 5, "no other service is affected" },
	{ "COM+ REGDB Writer", "VSS", "Volume Shadow Copy", false, 5, "no other service is affected" },
	{ "Shadow Copy Optimization Writer", "VSS", "Volume Shadow Copy", false, 5,
	  "no other service is affected" },
	{ "Performance Counters Writer", "VSS", "Volume Shadow Copy", false, 5,
	  "no other service is affected" },
	{ "VSS Metadata Store Writer", "VSS", "Volume Shadow Copy", false, 5,
	  "no other service is affected" },
	{ "MSSearch Service Writer", "WSearch", "Windows Search", false, 10,
	  "searches return nothing until the index is loaded again" },
	{ "BITS Writer", "BITS", "Background Intelligent Transfer Service", false, 5,
	  "running transfers (Windows Update downloads) pause and resume" },
	{ "Event Log Writer", "EventLog", "Windows Event Log", true, 0,
	  "the Event Log service is needed by many others and cannot be restarted safely: restart "
	  "the server in a maintenance window" },
	{ "Cluster Database", "ClusSvc", "Cluster Service", true, 60,
	  "the node leaves the failover cluster during the restart: its roles fail over to other "
	  "nodes" },
};

const fix_writer_owner *fix_writer_owner_of(const char *writer)
{
	for (size_t i = 0; writer && i < sizeof owners / sizeof owners[0]; i++)
		if (!strcasecmp(writer, owners[i].writer))
			return &owners[i];
	return NULL;
}
