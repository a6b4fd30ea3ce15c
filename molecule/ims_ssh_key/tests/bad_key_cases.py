"""Bad IMS keys the role ims_ssh_key must refuse: (case, role variables, text of its failure).

Shared by this scenario (test_ims_ssh_key.py) and tests/cfs_layer (the same cases on the AEE core).
EMPTY_FILE in a variable stands for the path of an empty file.
"""
EMPTY_FILE = "EMPTY_FILE"


def bad_keys(pub, priv):
    """The cases for the IMS public key pub and its private key priv."""
    return [
        ("private key pasted", {"ims_ssh_key_public_key": priv}, "is a PRIVATE key"),
        ("unknown type", {"ims_ssh_key_public_key": "ssh-foo " + pub.split()[1]}, "does not start with a known key type"),
        ("truncated blob", {"ims_ssh_key_public_key": pub[:60]}, "not a valid base64 key blob"),
        ("blob cut by 4", {"ims_ssh_key_public_key": pub[:-4]}, "not a valid base64 key blob"),
        ("blob of another type", {"ims_ssh_key_public_key": "ssh-ed25519 " + pub.split()[1]}, "not a valid base64 key blob"),
        ("two keys", {"ims_ssh_key_public_key": pub + "\n" + pub}, "spans several lines"),
        ("empty key file", {"ims_ssh_key_public_key_file": EMPTY_FILE}, "The IMS public key is empty"),
        ("missing ConfigMap", {"ims_ssh_key_configmap_name": "no-such-configmap"}, "was not found"),
    ]


def playbook_cases(cases, empty_file):
    """The bad_key_cases variable of bad_keys.yml."""
    return [{"name": n, "vars": {k: (empty_file if v == EMPTY_FILE else v) for k, v in ev.items()}}
            for n, ev, _unused in cases]
