"""Per-NF columns on one clock: what reconstruction and diagnosis work on.

An :class:`NFView` splits one record file into its rx packet records and
its tx packet records (times in wall-clock ns), keeps the burst tables,
and — once :mod:`reconstruct` has run — the links of every record to the
packet it belongs to.
"""
import dataclasses

import numpy as np

from microscope_plugin.trace import format as fmt


@dataclasses.dataclass
class NFView:
    name: str
    index: int              # position in the topology's NF list
    role: str               # 'nf' or 'source'
    # rx packet records, in record order
    rx_t: np.ndarray        # read time (ns) = its rx burst's timestamp
    rx_burst: np.ndarray    # rx burst index
    rx_ipid: np.ndarray
    rx_ipv4: np.ndarray
    # rx bursts
    rxb_t: np.ndarray
    rxb_n: np.ndarray
    rxb_max: np.ndarray
    # tx packet records, in record order
    tx_t: np.ndarray
    tx_port: np.ndarray
    tx_ipid: np.ndarray
    tx_ipv4: np.ndarray
    # 5-tuples, wherever recorded (rx or tx), by record kind
    rx_tuple: dict = None   # {'mask','src','dst','sport','dport','proto'}
    tx_tuple: dict = None
    # record order: for each packet record of the file, (is_tx, local index)
    order_is_tx: np.ndarray = None
    order_local: np.ndarray = None
    dropped_records: int = 0
    # links, filled by reconstruct()
    rx_up: np.ndarray = None      # global tx id of the upstream record, -1
    rx_status: np.ndarray = None  # link status per rx record (reconstruct.*)
    tx_rx: np.ndarray = None      # local rx index of each tx record, -1
    rx_pkt: np.ndarray = None     # packet id per rx record
    tx_pkt: np.ndarray = None     # packet id per tx record

    @property
    def n_rx(self):
        return len(self.rx_t)

    @property
    def n_tx(self):
        return len(self.tx_t)

    def record_order_columns(self):
        """IPID and IPv4 flag of every packet record, in file order."""
        at = np.where(self.order_is_tx, self.n_rx + self.order_local,
                      self.order_local)
        return (np.concatenate([self.rx_ipid, self.tx_ipid])[at],
                np.concatenate([self.rx_ipv4, self.tx_ipv4])[at])


def _tuples(p, sel):
    mask = p.has_tuple[sel]
    if not mask.any():
        return None
    return {'mask': mask, 'src': p.src[sel], 'dst': p.dst[sel],
            'sport': p.sport[sel], 'dport': p.dport[sel], 'proto': p.proto[sel]}


def view_from_records(rec, index, role):
    """Split one :class:`NFRecords` into an :class:`NFView` (aligned ns)."""
    b = rec.bursts
    p = rec.packets
    t_burst = rec.burst_ns()
    per_pkt_burst = rec.packet_burst()
    d = b.direction[per_pkt_burst] if len(p) else np.zeros(0, np.uint8)
    is_tx = d == fmt.DIR_TX
    rx_sel = np.flatnonzero(~is_tx)
    tx_sel = np.flatnonzero(is_tx)
    rx_bursts = np.flatnonzero(b.direction == fmt.DIR_RX)
    burst_to_rx = np.full(len(b), -1, dtype=np.int64)
    burst_to_rx[rx_bursts] = np.arange(rx_bursts.size)
    local = np.empty(len(p), dtype=np.int64)
    local[rx_sel] = np.arange(rx_sel.size)
    local[tx_sel] = np.arange(tx_sel.size)
    return NFView(
        name=rec.header.nf_name, index=index, role=role,
        rx_t=t_burst[per_pkt_burst[rx_sel]],
        rx_burst=burst_to_rx[per_pkt_burst[rx_sel]],
        rx_ipid=p.ipid[rx_sel], rx_ipv4=p.ipv4[rx_sel],
        rxb_t=t_burst[rx_bursts], rxb_n=b.count[rx_bursts].astype(np.int64),
        rxb_max=b.max_pkts[rx_bursts].astype(np.int64),
        tx_t=t_burst[per_pkt_burst[tx_sel]],
        tx_port=b.port[per_pkt_burst[tx_sel]],
        tx_ipid=p.ipid[tx_sel], tx_ipv4=p.ipv4[tx_sel],
        rx_tuple=_tuples(p, rx_sel), tx_tuple=_tuples(p, tx_sel),
        order_is_tx=is_tx, order_local=local,
        dropped_records=rec.dropped_packets)
