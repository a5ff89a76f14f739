package main

import (
	"context"
	"log"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

type act = chromedp.Action[chromedp.Void]

func main() {
	base := "http://127.0.0.1:18731"
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(os.Getenv("CHROME")), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("lang", "zh-CN"), chromedp.UserDataDir("/tmp/h-call/chrome"), chromedp.WindowSize(1440, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	shot := func(name string) {
		log.Println("shot", name)
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			log.Fatal(err)
		}
		os.WriteFile("/tmp/h-call/"+name+".png", buf, 0o644)
	}
	do := func(a ...act) {
		log.Println("do", len(a))
		if err := chromedp.Do(ctx, a...); err != nil {
			log.Fatal(err)
		}
	}
	click := func(sel string) {
		do(chromedp.Click(chromedp.CSS(sel)), chromedp.Sleep(700*time.Millisecond))
	}
	do(chromedp.Navigate(base+"/login"), chromedp.SendKeys(chromedp.CSS("#f-username"), "county.window"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "Demo@2026"), chromedp.Submit(chromedp.CSS("#f-username")), chromedp.Sleep(time.Second))
	do(chromedp.Navigate(base + "/work"))
	if os.Getenv("PHASE") == "4" {
		do(chromedp.Navigate(base + "/work"))
		shot("11-serving")
		return
	}
	if os.Getenv("PHASE") == "3" {
		click(`#hall-desk button[data-hall-action="next"]`)
		click(`#hall-desk button[data-hall-action="start"]`)
		exec.Command("sqlite3", "/tmp/h-call/data/zwfw.db", "INSERT INTO hall_ticket_cases SELECT t.id, c.id, 0 FROM hall_tickets t, cases c WHERE t.number = 'A003' AND c.serial = '610923-20261204-00001'").Run()
		do(chromedp.Navigate(base + "/work"))
		shot("9-serving")
		do(chromedp.Navigate(base + "/work/cases/610923-20261204-00001"))
		shot("10-case")
		return
	}
	if os.Getenv("PHASE") == "2" {
		shot("4-finished")
		do(chromedp.Navigate(base + "/work/hall/610923CW01/tickets/A002/rate"))
		shot("5-pad")
		click(`button.wk-face-5`)
		shot("6-pad-bad")
		do(chromedp.SendKeys(chromedp.CSS("#wk-comment"), "等候时间太长"))
		click(`button.wk-face-4`)
		shot("7-pad-done")
		do(chromedp.Navigate(base + "/work"))
		shot("8-rated")
		return
	}
	shot("1-free")
	click(`#hall-desk button[data-hall-action="next"]`)
	shot("2-called")
	for _, a := range []string{"recall", "recall", "recall", "miss", "next", "start"} {
		click(`#hall-desk button[data-hall-action="` + a + `"]`)
	}
	shot("3-serving")
	click(`#hall-desk button[data-hall-action="finish"]`)
	shot("4-finished")
	do(chromedp.Navigate(base + "/work/hall/610923CW01/tickets/A002/rate"))
	shot("5-pad")
	click(`button.wk-face-5`)
	shot("6-pad-bad")
}
