"""What vCenter says, read with pyVmomi (Debian's python3-pyvmomi), never through quiescent: the
truth the tests hold quiescent's claims against (power states, snapshot trees, extraConfig).

    with Vcenter.of(lab) as vc:
        vc.power("sql-01"), vc.test_snapshots("sql-01"), vc.vms()
"""
import ssl
import time
import warnings

TEST_PREFIX = "quiescent-test-"


class Vcenter:
    def __init__(self, address, user, password, attempts=1):
        """address is "host:port". attempts > 1 retries the login 0.2 s apart (a lab behind a
        proxy the test is cutting may refuse a while)."""
        from pyVim.connect import SmartConnect
        # pyvmomi leaves its sockets to the garbage collector: not ours to report.
        warnings.simplefilter("ignore", ResourceWarning)
        host, port = address.rsplit(":", 1)
        for attempt in range(attempts):
            try:
                self.si = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                                       sslContext=ssl._create_unverified_context())
                break
            except Exception:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2)

    @classmethod
    def of(cls, lab, attempts=1):
        """The lab's vCenter (labctl.Lab or anything with host, user and password)."""
        return cls(lab.host, lab.user, lab.password, attempts)

    def close(self):
        from pyVim.connect import Disconnect
        Disconnect(self.si)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def all_vms(self):
        from pyVmomi import vim
        view = self.si.content.viewManager.CreateContainerView(
            self.si.content.rootFolder, [vim.VirtualMachine], True)
        try:
            return list(view.view)
        finally:
            view.Destroy()

    def vm(self, name):
        for v in self.all_vms():
            if v.name == name:
                return v
        raise AssertionError("vCenter has no VM " + name)

    def power(self, name):
        return str(self.vm(name).runtime.powerState)

    def test_snapshots(self, name):
        """The names of our test snapshots in the VM's tree."""
        return [n for n in snapshot_names(self.vm(name)) if n.startswith(TEST_PREFIX)]

    def vms(self):
        """name -> {power, snapshots (every name in the tree), extra (extraConfig), uuid
        (disk.EnableUUID, any case; None when absent), moref}."""
        out = {}
        for v in self.all_vms():
            extra = {o.key: o.value for o in v.config.extraConfig}
            uuid = [val for key, val in extra.items() if key.lower() == "disk.enableuuid"]
            out[v.name] = {"power": str(v.runtime.powerState), "snapshots": snapshot_names(v),
                           "extra": extra, "uuid": uuid[0] if uuid else None, "moref": v._moId}
        return out


def snapshot_names(vm):
    names = []

    def walk(tree):
        for n in tree or []:
            names.append(n.name)
            walk(n.childSnapshotList)
    if vm.snapshot:
        walk(vm.snapshot.rootSnapshotList)
    return names
