/**
 * Where the SIP ALG lives on common routers and firewalls. Menu names move between firmware
 * versions; each entry names the setting the way the vendor does so it can be searched for.
 */
export interface RouterAdvice {
  vendor: string;
  where: string;
}

export const ROUTER_ALG_SETTINGS: RouterAdvice[] = [
  { vendor: 'Cisco IOS / IOS-XE', where: 'config: `no ip nat service sip udp port 5060` and `no ip nat service sip tcp port 5060`' },
  { vendor: 'Cisco ASA / FTD', where: 'policy-map global_policy, class inspection_default: `no inspect sip`' },
  { vendor: 'Cisco Meraki MX', where: 'no SIP ALG toggle in the dashboard; if rewriting is proven, open a case with Meraki support' },
  { vendor: 'Fortinet FortiGate', where: '`config system settings` / `set default-voip-alg-mode kernel-helper-based`, `set sip-expectation disable`, `set sip-nat-trace disable`; and remove the "sip" entry under `config system session-helper`' },
  { vendor: 'SonicWall', where: 'VoIP > Settings: clear "Enable SIP Transformations"' },
  { vendor: 'Juniper SRX', where: '`set security alg sip disable`, then commit' },
  { vendor: 'MikroTik RouterOS', where: '`/ip firewall service-port disable sip`' },
  { vendor: 'Ubiquiti EdgeRouter / USG', where: '`set system conntrack modules sip disable`, then commit and save' },
  { vendor: 'Ubiquiti UniFi OS gateways', where: 'Settings > Security (or Routing & Firewall) > Application Layer Gateways / conntrack helpers: turn SIP off' },
  { vendor: 'Netgear', where: 'Advanced > Setup > WAN Setup: tick "Disable SIP ALG"' },
  { vendor: 'TP-Link', where: 'Advanced > NAT Forwarding > ALG: clear "SIP ALG"' },
  { vendor: 'D-Link', where: 'Advanced > Advanced Network (or Firewall Settings) > Application Level Gateway: clear SIP' },
  { vendor: 'Linksys', where: 'Connectivity > Administration (older firmware: Administration > Management): SIP ALG off' },
  { vendor: 'Asus', where: 'Advanced Settings > WAN > NAT Passthrough: SIP Passthrough = Disable' },
  { vendor: 'DrayTek', where: 'telnet/CLI: `sys sip_alg 0` (and `sys commit`)' },
  { vendor: 'Zyxel', where: 'Configuration > Network > ALG (consumer models: Security > ALG): clear SIP ALG' },
  { vendor: 'pfSense / OPNsense', where: 'no SIP ALG of their own; remove the siproxd package/plugin if installed, and use static-port outbound NAT for the phones' },
  { vendor: 'Linux / OpenWrt (nf_conntrack_sip)', where: 'remove the helper: `modprobe -r nf_nat_sip nf_conntrack_sip` (and blacklist them); OpenWrt: remove kmod-nf-nathelper-extra; delete nftables `ct helper` / iptables `-j CT --helper sip` rules' },
];
