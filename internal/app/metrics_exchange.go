package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"zwfw/internal/exchange"
)

// The exchange on /metrics (issue 14 item 7): each peer's outbox depth,
// lag and dead letters, read from the database at each scrape (every
// process reports the same, shared outbox), and this process's counters
// of events sent, failed requests and events received.
type exchangeCollector struct{ x *exchange.Service }

var (
	exDepth = prometheus.NewDesc("zwfw_exchange_outbox_depth", "Events waiting in the outbox for the peer platform.", []string{"peer"}, nil)
	exLag   = prometheus.NewDesc("zwfw_exchange_lag_seconds", "Age of the oldest event waiting for the peer platform (0: none waits).", []string{"peer"}, nil)
	exDead  = prometheus.NewDesc("zwfw_exchange_dead", "Dead letters for the peer platform (refused or failed too often; zwfw exchange resend).", []string{"peer"}, nil)
	exAlert = prometheus.NewDesc("zwfw_exchange_lag_alert", "1 when the peer's lag passes ZWFW_EXCHANGE_LAG_ALERT.", []string{"peer"}, nil)
	exSent  = prometheus.NewDesc("zwfw_exchange_sent_total", "Events the peer platforms took from this process.", nil, nil)
	exFail  = prometheus.NewDesc("zwfw_exchange_failed_total", "Failed deliveries (requests) by this process.", nil, nil)
	exRecv  = prometheus.NewDesc("zwfw_exchange_received_total", "Events received and applied by this process.", nil, nil)
)

func (c exchangeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{exDepth, exLag, exDead, exAlert, exSent, exFail, exRecv} {
		ch <- d
	}
}

func (c exchangeCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.x.Counters()
	ch <- prometheus.MustNewConstMetric(exSent, prometheus.CounterValue, float64(n.Sent))
	ch <- prometheus.MustNewConstMetric(exFail, prometheus.CounterValue, float64(n.Failed))
	ch <- prometheus.MustNewConstMetric(exRecv, prometheus.CounterValue, float64(n.Received))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sts, err := c.x.Status(ctx, false)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(exDepth, err)
		return
	}
	for _, st := range sts {
		p := st.Peer.Code
		alert := 0.0
		if st.Alert {
			alert = 1
		}
		ch <- prometheus.MustNewConstMetric(exDepth, prometheus.GaugeValue, float64(st.Pending), p)
		ch <- prometheus.MustNewConstMetric(exLag, prometheus.GaugeValue, st.Lag.Seconds(), p)
		ch <- prometheus.MustNewConstMetric(exDead, prometheus.GaugeValue, float64(st.Dead), p)
		ch <- prometheus.MustNewConstMetric(exAlert, prometheus.GaugeValue, alert, p)
	}
}
