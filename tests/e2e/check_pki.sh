#!/bin/sh
# Make the test PKI for the check tests in DIR (openssl CLI only):
#   root.crt (test CA) -> int.crt (intermediate) -> leaves:
#   valid expired future wrongname rsa1024 soon (each NAME.key, NAME.crt
#   and NAME-chain.pem = leaf + intermediate), and self.crt (self-signed).
# Leaves are for localhost / 127.0.0.1 except wrongname (other.example).
set -eu
D=$1
mkdir -p "$D"
cd "$D"
[ -f done ] && exit 0

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat >ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
mkdir -p newcerts
: >index.txt
echo 1000 >serial

ec root.key
openssl req -x509 -new -key root.key -subj "/CN=Shaobing Test Root CA" \
	-days 3650 -sha256 -addext "basicConstraints=critical,CA:true" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -out root.crt 2>/dev/null

ec int.key
openssl req -new -key int.key -subj "/CN=Shaobing Test Intermediate" -out int.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert root.crt -keyfile root.key \
	-extensions v3_ca -days 1825 -in int.csr -out int.crt 2>/dev/null

# leaf NAME KEYKIND SAN START END
leaf() {
	name=$1 kind=$2 san=$3 start=$4 end=$5
	if [ "$kind" = rsa1024 ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$name.key" 2>/dev/null
	else
		ec "$name.key"
	fi
	cn=${san#DNS:}
	openssl req -new -key "$name.key" -subj "/CN=${cn%%,*}" \
		-addext "subjectAltName=$san" -out "$name.csr" 2>/dev/null
	openssl ca -batch -config ca.cnf -cert int.crt -keyfile int.key \
		-extensions v3_leaf -startdate "$start" -enddate "$end" \
		-in "$name.csr" -out "$name.crt" 2>/dev/null
	cat "$name.crt" int.crt >"$name-chain.pem"
}
now=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
year=$(date -u -d '+365 days' +%Y%m%d%H%M%SZ)
leaf valid ec "DNS:localhost,IP:127.0.0.1" "$now" "$year"
leaf expired ec "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20210101000000Z
leaf future ec "DNS:localhost,IP:127.0.0.1" 20900101000000Z 20910101000000Z
leaf wrongname ec "DNS:other.example" "$now" "$year"
leaf rsa1024 rsa1024 "DNS:localhost,IP:127.0.0.1" "$now" "$year"
leaf soon ec "DNS:localhost,IP:127.0.0.1" "$now" "$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)"

ec self.key
openssl req -x509 -new -key self.key -subj "/CN=localhost" -days 365 \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out self.crt 2>/dev/null
touch done
