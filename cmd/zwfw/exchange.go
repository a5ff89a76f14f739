package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"zwfw"
	"zwfw/internal/app"
	"zwfw/internal/config"
	"zwfw/internal/exchange"
)

const exchangeUsage = `用法：
  zwfw exchange identity                 显示本平台的区划代码、名称、角色、签名密钥编号、指纹和公钥（PEM），交给对方平台登记
  zwfw exchange peer add --code 610900 --name 安康市 --role city --url https://… --key-file 对方公钥.pem
                                         登记（或更新）对接平台：县级平台登记所属市级平台，市级平台登记各县
  zwfw exchange peer list                列出已登记的对接平台、密钥指纹和待发送、死信数
  zwfw exchange peer disable --code 610900  停用对接平台（不再发送，也不再接收它的数据）
  zwfw exchange resend [--all | --id N]  把死信（对方拒收或多次失败的事件）放回发送队列`

// runExchange runs `zwfw exchange …`: this platform's identity and the
// registration of its peers (issue 14 item 5), and resending dead letters
// (item 7). The commands act as the system (the operator at the server's
// console); every change is in the audit log.
func runExchange(ctx context.Context, cfg config.Config, log *slog.Logger, rest []string, stdout, stderr io.Writer) error {
	if len(rest) == 0 {
		return errors.New(exchangeUsage)
	}
	open := func() (*app.App, error) { return app.Open(ctx, cfg, log, stdout, app.Options{}) }
	switch rest[0] {
	case "identity":
		if len(rest) != 1 {
			return errors.New(exchangeUsage)
		}
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		id, err := a.Exchange.Identity(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "区划代码：%s\n名称：%s\n角色：%s\n签名密钥：%s（%s）\n公钥指纹（SM3）：%s\n\n%s", id.Code, id.Name, roleName(id.Role), id.KeyID, id.Algorithm, id.Fingerprint, id.PEM)
		return nil
	case "peer":
		if len(rest) < 2 {
			return errors.New(exchangeUsage)
		}
		return runPeer(ctx, open, rest[1], rest[2:], stdout, stderr)
	case "resend":
		fs := flag.NewFlagSet("zwfw exchange resend", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		all := fs.Bool("all", false, "全部死信")
		id := fs.Int64("id", 0, "一条死信的编号")
		if err := fs.Parse(rest[1:]); err != nil || fs.NArg() > 0 || (*all == (*id != 0)) {
			return errors.New("用法：zwfw exchange resend --all 或 zwfw exchange resend --id 编号（编号见 /admin/exchange 的死信列表）")
		}
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		n, err := a.Exchange.Resend(ctx, zwfw.System, *id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已把 %d 条死信放回发送队列；运行中的服务会立即重新发送。\n", n)
		return nil
	}
	return errors.New(exchangeUsage)
}

func runPeer(ctx context.Context, open func() (*app.App, error), sub string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zwfw exchange peer "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	code := fs.String("code", "", "对方平台的区划代码")
	name := fs.String("name", "", "对方平台的名称")
	role := fs.String("role", "", "对方平台的角色：city 或 county")
	url := fs.String("url", "", "对方平台的地址")
	keyFile := fs.String("key-file", "", "对方平台的公钥文件（PEM，由对方的 zwfw exchange identity 给出）")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("参数有误：%v\n%s", err, exchangeUsage)
	}
	switch sub {
	case "add":
		if *keyFile == "" {
			return errors.New("请用 --key-file 给出对方平台的公钥文件（对方运行 zwfw exchange identity 得到的 PEM）")
		}
		pemBytes, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("读取公钥文件：%w", err)
		}
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		p, err := a.Exchange.AddPeer(ctx, zwfw.System, exchange.PeerInput{Code: *code, Name: *name, Role: *role, URL: *url, KeyPEM: string(pemBytes)})
		if err != nil {
			return peerError(err)
		}
		fmt.Fprintf(stdout, "已登记%s %s（%s），地址 %s\n密钥 %s，指纹（SM3）：%s\n请与对方核对指纹：对方运行 zwfw exchange identity 显示的应完全相同。\n",
			roleName(p.Role), p.Name, p.Code, p.URL, p.KeyID, p.Fingerprint)
		return nil
	case "list":
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		sts, err := a.Exchange.Status(ctx, true)
		if err != nil {
			return err
		}
		if len(sts) == 0 {
			fmt.Fprintln(stdout, "尚未登记对接平台（zwfw exchange peer add）")
			return nil
		}
		w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "代码\t名称\t角色\t状态\t地址\t密钥\t待发送\t死信\t已送达\t积压时长\t最近错误")
		for _, st := range sts {
			p := st.Peer
			state := "启用"
			if !p.Enabled {
				state = "停用"
			}
			lag := "-"
			if st.Pending > 0 {
				lag = st.Lag.Round(1e9).String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", p.Code, p.Name, roleName(p.Role), state, p.URL, p.KeyID,
				st.Pending, st.Dead, st.Delivered, lag, strings.ReplaceAll(p.LastError, "\t", " "))
		}
		return w.Flush()
	case "disable":
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Exchange.DisablePeer(ctx, zwfw.System, *code); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "已停用对接平台 %s\n", *code)
		return nil
	}
	return errors.New(exchangeUsage)
}

// peerError spells out the fields of a refused registration.
func peerError(err error) error {
	var e *zwfw.Error
	if !errors.As(err, &e) || len(e.Details) == 0 {
		return err
	}
	flags := map[string]string{"code": "--code", "name": "--name", "role": "--role", "url": "--url", "key_pem": "--key-file"}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, d := range e.Details {
		b.WriteString("\n  " + flags[d.Field] + "：" + d.Message)
	}
	return errors.New(b.String())
}

func roleName(r string) string {
	switch r {
	case exchange.RoleCity:
		return "市级平台"
	case exchange.RoleCounty:
		return "县级平台"
	}
	return r
}
