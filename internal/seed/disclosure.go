package seed

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"zwfw/internal/db"
	"zwfw/internal/disclosure"
)

// The plan itself (宁政发〔2017〕17号), published as the first 政策文件.
//
//go:embed data/ningzhengfa-2017-17.txt
var planText string

// demoDoc is one demo 政务公开 document; interprets names the title of the
// policy a 政策解读 interprets.
type demoDoc struct {
	kind       string
	c          disclosure.Content
	interprets string
}

// demoDisclosures are the demo documents of 政务公开 (实施方案 §2(4)): the
// plan, a notice, its interpretation, a review rule of 食品经营许可, an
// FAQ, two intermediary services and two agencies, and the supervision
// channels. Agencies are fictitious; their credit codes are well formed.
var demoDisclosures = []demoDoc{
	{kind: disclosure.KindLaw, c: disclosure.Content{Title: "中华人民共和国行政许可法（节录）",
		Body: "第三十条 行政机关应当将法律、法规、规章规定的有关行政许可的事项、依据、条件、数量、程序、期限以及需要提交的全部材料的目录和申请书示范文本等在办公场所公示。\n" +
			"申请人要求行政机关对公示内容予以说明、解释的，行政机关应当说明、解释，提供准确、可靠的信息。",
		Fields: map[string]string{"issuer": "全国人民代表大会常务委员会", "issued_on": "2019-04-23"}}},
	{kind: disclosure.KindPolicy, c: disclosure.Content{Title: "宁陕县人民政府关于印发宁陕县“互联网+政务服务”实施方案的通知", Number: "宁政发〔2017〕17号",
		Fields: map[string]string{"issuer": "宁陕县人民政府", "issued_on": "2017-08-09"}}},
	{kind: disclosure.KindInterpretation, interprets: "宁陕县人民政府关于印发宁陕县“互联网+政务服务”实施方案的通知",
		c: disclosure.Content{Title: "《宁陕县“互联网+政务服务”实施方案》政策解读",
			Body: "一、出台背景\n为贯彻落实省、市关于加快推进“互联网+政务服务”工作的部署，县政府制定了本实施方案。\n" +
				"二、主要目标\n到2019年，建成市县镇村多级联动的“互联网+政务服务”平台，达到办事一号申请、一窗受理、一网通办。\n" +
				"三、群众能得到什么\n政务服务事项进驻服务中心集中受理、限时办结；办事指南、审查细则、中介服务事项清单等信息网上网下一致公开；办事可网上申请、网上查询进度。",
			Fields: map[string]string{"issuer": "宁陕县政务服务中心"}}},
	{kind: disclosure.KindNotice, c: disclosure.Content{Title: "关于县政务服务中心冬季作息时间调整的通知",
		Body: "根据县政府统一安排，自2026年11月1日起，县政务服务中心实行冬季作息时间：上午9:00—12:00，下午14:00—17:30。\n" +
			"周六上午设综合受理窗口延时服务。网上办事大厅全天受理申请，非工作时间提交的申请于下一工作日受理。\n特此通知。",
		Fields: map[string]string{"issuer": "宁陕县政务服务中心"}}},
	{kind: disclosure.KindRule, c: disclosure.Content{Title: "食品经营许可审查细则", Number: "宁市监发〔2026〕5号", Items: []string{"010100100000"},
		Body: "第一条 申请材料齐全、符合法定形式的，当场受理。\n第二条 仅从事预包装食品销售的，不进行现场核查。\n" +
			"第三条 需要现场核查的，核查人员不少于2人，核查结果当场告知申请人。\n第四条 经营场所与住所分离的，应核对租赁合同或产权证明。",
		Fields: map[string]string{"issuer": "宁陕县市场监督管理局"}}},
	{kind: disclosure.KindDiscretion, c: disclosure.Content{Title: "食品经营许可办理时限裁量基准", Items: []string{"010100100000"},
		Body: "一、仅销售预包装食品的，材料齐全即当场作出决定。\n二、需要现场核查、材料无误的，自受理之日起 5 个工作日内作出决定。\n" +
			"三、现场核查发现问题、申请人当场整改的，自整改完成之日起 3 个工作日内作出决定。",
		Fields: map[string]string{"issuer": "宁陕县市场监督管理局"}}},
	{kind: disclosure.KindFAQ, c: disclosure.Content{Title: "网上申请后还需要到窗口提交纸质材料吗？",
		Body: "网上申请时已上传并经预审通过的材料，窗口不再要求重复提交。法律法规要求核验原件的，办事指南中已注明，可在领取结果时一并核验，做到最多跑一次。"}},
	{kind: disclosure.KindIntermediary, c: disclosure.Content{Title: "建设项目环境影响报告表编制", Items: []string{"012000100000"},
		Fields: map[string]string{"legal_basis": "《中华人民共和国环境影响评价法》第十六条、第十九条", "fee_basis": "市场调节价，由委托双方协商确定",
			"time_limit": "自委托之日起 30 个工作日内"}}},
	{kind: disclosure.KindIntermediary, c: disclosure.Content{Title: "生产建设项目水土保持方案编制", Items: []string{"010700300000"},
		Fields: map[string]string{"legal_basis": "《中华人民共和国水土保持法》第二十五条", "fee_basis": "市场调节价，由委托双方协商确定",
			"time_limit": "自委托之日起 20 个工作日内"}}},
	{kind: disclosure.KindAgency, c: disclosure.Content{Title: "宁陕县秦岭生态环境技术咨询有限公司",
		Fields: map[string]string{"credit_code": "91610923MA70RT5LXF", "qualifications": "建设项目环境影响报告表编制（在环境影响评价信用平台备案）",
			"fees": "市场调节价，报告表一般 1.5 万—3 万元", "time_limit": "报告表 30 个工作日", "contact": "0915-6821101，宁陕县城关镇东大街 12 号"}}},
	{kind: disclosure.KindAgency, c: disclosure.Content{Title: "宁陕县汉江水利水保工程咨询有限公司",
		Fields: map[string]string{"credit_code": "91610923MA70WA2P97", "qualifications": "水土保持方案编制（中国水土保持学会水平评价三星）",
			"fees": "市场调节价，报告表一般 1 万—2 万元", "time_limit": "报告表 20 个工作日", "contact": "0915-6822202，宁陕县城关镇南街 8 号"}}},
	{kind: disclosure.KindChannel, c: disclosure.Content{Title: "政务服务监督投诉渠道",
		Body:   "对政务服务事项办理中的服务态度、办事效率、乱收费、增加材料等问题，可通过以下渠道反映：县政务服务中心投诉窗口、意见箱、网上“咨询投诉”栏目，或拨打监督电话。",
		Fields: map[string]string{"contact": "监督电话 0915-6822345（工作日 9:00—17:30）；12345 政务服务便民热线"}}},
}

// DemoDisclosure publishes the demo documents: drafted by the county's
// 事项管理员, published by its 电子监察 (another hand).
func DemoDisclosure(ctx context.Context, d Deps) error {
	claimed := false
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		claimed, err = claim(ctx, tx, "seed.demo_disclosure", d.Now())
		return err
	}); err != nil || !claimed {
		return err
	}
	svc := disclosure.New(d.DB, d.Now)
	editorU, err := d.Users.ByUsername(ctx, "county.catalog")
	if err != nil {
		return fmt.Errorf("seed: disclosure editor: %w", err)
	}
	reviewerU, err := d.Users.ByUsername(ctx, "county.supervisor")
	if err != nil {
		return fmt.Errorf("seed: disclosure reviewer: %w", err)
	}
	editor, reviewer := editorU.Actor(), reviewerU.Actor()
	ids := map[string]int64{}
	for _, x := range demoDisclosures {
		c := x.c
		if x.kind == disclosure.KindPolicy && c.Number == "宁政发〔2017〕17号" {
			c.Body = planBody()
		}
		if x.interprets != "" {
			c.Interprets = ids[x.interprets]
		}
		doc, err := svc.Create(ctx, editor, x.kind, CountyCode, c)
		if err != nil {
			return fmt.Errorf("seed: disclosure %s: %w", c.Title, err)
		}
		for _, a := range []string{disclosure.ActSubmit, disclosure.ActPublish} {
			who := editor
			if a == disclosure.ActPublish {
				who = reviewer
			}
			if _, err := svc.Act(ctx, who, doc.ID, a, ""); err != nil {
				return fmt.Errorf("seed: disclosure %s %s: %w", c.Title, a, err)
			}
		}
		ids[c.Title] = doc.ID
	}
	return nil
}

// planBody is the plan's text after its header table (the number, dates
// and issuer are the document's fields).
func planBody() string {
	var lines []string
	for _, l := range strings.Split(planText, "\n") {
		if strings.Contains(l, " | ") {
			continue
		}
		lines = append(lines, l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
