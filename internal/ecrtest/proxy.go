package ecrtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// CA is a test certificate authority that signs a certificate for any host
// name a TLS client asks for.
type CA struct {
	cert  *x509.Certificate
	key   *ecdsa.PrivateKey
	PEM   []byte // the CA certificate, for SSL_CERT_FILE
	mu    sync.Mutex
	leafs map[string]*tls.Certificate
}

// NewCA makes a fresh CA.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecrtest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), leafs: map[string]*tls.Certificate{}}, nil
}

// Pool trusts the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// leaf signs (once) a certificate for host.
func (ca *CA) leaf(host string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leafs[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(len(ca.leafs) + 2)), Subject: pkix.Name{CommonName: host},
		DNSNames: []string{host}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	ca.leafs[host] = c
	return c, nil
}

// Proxy is an HTTP CONNECT proxy on loopback that terminates TLS for every
// tunnel with a certificate from its CA and serves the requests inside
// with Handler, whatever host the client asked for: a client that trusts
// the CA reaches https://<acct>.dkr.ecr.<region>.amazonaws.com here.
type Proxy struct {
	URL string // http://127.0.0.1:port, for HTTPS_PROXY

	ln      net.Listener
	inner   *http.Server
	conns   chan net.Conn
	mu      sync.Mutex
	tunnels []string
	wg      sync.WaitGroup
}

// NewProxy starts a proxy serving h behind TLS signed by ca.
func NewProxy(ca *CA, h http.Handler) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), ln: ln, conns: make(chan net.Conn)}
	p.inner = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0), TLSConfig: &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) { return ca.leaf(hello.ServerName) },
		NextProtos:     []string{"http/1.1"},
	}}
	p.wg.Go(func() { p.inner.ServeTLS(chanListener{p}, "", "") })
	p.wg.Go(p.accept)
	return p, nil
}

// Tunnels lists the host:port of every CONNECT, in order.
func (p *Proxy) Tunnels() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tunnels)
}

// Close stops the proxy and every tunnel.
func (p *Proxy) Close() {
	p.ln.Close()
	p.inner.Close()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			close(p.conns)
			return
		}
		go p.connect(c)
	}
}

// connect reads one CONNECT request and hands the tunnel to the inner server.
func (p *Proxy) connect(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil || req.Method != http.MethodConnect {
		c.Write([]byte("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	p.mu.Lock()
	p.tunnels = append(p.tunnels, req.Host)
	p.mu.Unlock()
	if _, err := c.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		c.Close()
		return
	}
	defer func() {
		if recover() != nil { // the proxy closed while this tunnel was opening
			c.Close()
		}
	}()
	p.conns <- c
}

// chanListener hands the inner server the tunnels' connections.
type chanListener struct{ p *Proxy }

func (l chanListener) Accept() (net.Conn, error) {
	c, ok := <-l.p.conns
	if !ok {
		return nil, errors.New("proxy closed")
	}
	return c, nil
}
func (l chanListener) Close() error   { return nil }
func (l chanListener) Addr() net.Addr { return l.p.ln.Addr() }

// TLSClientConfig trusts only the CA.
func (ca *CA) TLSClientConfig() *tls.Config { return &tls.Config{RootCAs: ca.Pool()} }
