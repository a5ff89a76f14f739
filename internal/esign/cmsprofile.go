package esign

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/emmansun/gmsm/pkcs7"
)

// The CMS signature of a signed PDF has fields its signature does not
// cover (versions, the algorithm lists, unsigned attributes): the
// library's verification ignores some of them, so a changed version byte
// would still verify. VerifyPDF holds the CMS to the one profile SignPDF
// writes — every such field as SignPDF sets it, DER throughout, the
// published certificate alone — so that no byte of the file changes
// unnoticed.

type cmsContentInfo struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue `asn1:"explicit,tag:0"`
}

type cmsSignedData struct {
	Version int
	Digests []pkix.AlgorithmIdentifier `asn1:"set"`
	Encap   cmsEncap
	Certs   asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs    asn1.RawValue   `asn1:"optional,tag:1"`
	Signers []cmsSignerInfo `asn1:"set"`
}

type cmsEncap struct {
	Type asn1.ObjectIdentifier
}

type cmsSignerInfo struct {
	Version   int
	SID       asn1.RawValue
	Digest    pkix.AlgorithmIdentifier
	Attrs     asn1.RawValue `asn1:"optional,tag:0"`
	SigAlg    pkix.AlgorithmIdentifier
	Signature []byte
	Unsigned  asn1.RawValue `asn1:"optional,tag:1"`
}

// ourProfile reports whether der is a CMS as SignPDF makes it with the
// certificate cert.
func ourProfile(der, cert []byte) bool {
	var ci cmsContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 || !ci.Type.Equal(pkcs7.OIDSignedData) {
		return false
	}
	var sd cmsSignedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return false
	}
	if sd.Version != 1 || len(sd.Digests) != 1 || !algo(sd.Digests[0], pkcs7.OIDDigestAlgorithmSM3) ||
		!sd.Encap.Type.Equal(pkcs7.OIDData) || len(sd.CRLs.FullBytes) != 0 || !bytes.Equal(sd.Certs.Bytes, cert) || len(sd.Signers) != 1 {
		return false
	}
	si := sd.Signers[0]
	if si.Version != 1 || !algo(si.Digest, pkcs7.OIDDigestAlgorithmSM3) || !algo(si.SigAlg, pkcs7.OIDDigestEncryptionAlgorithmSM2) ||
		len(si.Unsigned.FullBytes) != 0 || len(si.Attrs.FullBytes) == 0 {
		return false
	}
	if !canonicalAttrs(si.Attrs.Bytes) {
		return false
	}
	// DER throughout: encoded again, it is the same bytes.
	inner, err := asn1.Marshal(sd)
	if err != nil || !bytes.Equal(inner, ci.Content.Bytes) {
		return false
	}
	outer, err := asn1.Marshal(cmsContentInfo{Type: ci.Type, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	return err == nil && bytes.Equal(outer, der)
}

// algo: the identifier is oid with NULL parameters, as SignPDF writes it.
func algo(a pkix.AlgorithmIdentifier, oid asn1.ObjectIdentifier) bool {
	return a.Algorithm.Equal(oid) && bytes.Equal(a.Parameters.FullBytes, asn1.NullBytes)
}

// canonicalAttrs: the signed attributes are each one DER attribute with
// one primitive value (content type, signing time, message digest), so
// that their bytes are the bytes the signature covers — the library
// re-encodes what it parsed before it checks, and would let a wrong length
// inside them pass.
func canonicalAttrs(b []byte) bool {
	for len(b) > 0 {
		var a struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue `asn1:"set"`
		}
		rest, err := asn1.Unmarshal(b, &a)
		if err != nil {
			return false
		}
		var v asn1.RawValue
		if r, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil || len(r) != 0 || v.IsCompound {
			return false
		}
		again, err := asn1.Marshal(a)
		if err != nil || !bytes.Equal(again, b[:len(b)-len(rest)]) {
			return false
		}
		b = rest
	}
	return true
}
