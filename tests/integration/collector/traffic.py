"""Input pcaps for the collector tests: per-host IPID counters (as real
hosts have), TCP/UDP/ICMP, one-VLAN-tagged IPv4, ARP and IPv6 frames."""
import numpy as np

from microscope_plugin.pcap import build_frame, read_pcap, write_pcap


def make_pcap(path, n, seed=0, hosts=50, vlan=0.05, not_ipv4=0.03):
    rng = np.random.default_rng(seed)
    src = (0x0A000000 + rng.integers(1, 2**16, hosts)).astype(np.int64)
    counter = rng.integers(0, 65536, hosts)
    frames = []
    for _ in range(n):
        r = rng.random()
        if r < not_ipv4:
            frames.append(build_frame(kind='arp' if r < not_ipv4 / 2
                                      else 'ipv6',
                                      vlan=7 if rng.random() < 0.3 else None))
            continue
        h = int(rng.integers(0, hosts))
        counter[h] = (counter[h] + 1) % 65536
        proto = int(rng.choice([6, 17, 17, 1]))
        frames.append(build_frame(
            src=int(src[h]), dst=0xC0A80001 + int(rng.integers(0, 8)),
            sport=int(rng.integers(1024, 65536)), dport=int(rng.choice([53, 80, 443])),
            proto=proto, ipid=int(counter[h]),
            vlan=int(rng.integers(1, 4095)) if rng.random() < vlan else None,
            size=int(rng.choice([64, 128, 512]))))
    write_pcap(path, frames)
    return read_pcap(path)
